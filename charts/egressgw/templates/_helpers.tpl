{{/* Labels on every object's metadata; selectors keep the kustomize base's app.kubernetes.io/name. */}}
{{- define "egressgw.labels" -}}
app.kubernetes.io/part-of: egressgw
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "egressgw.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The controller's Service DNS name: the agents' channel URL and the webhook's TLS name. */}}
{{- define "egressgw.controllerHost" -}}
egressgw-controller.{{ .Release.Namespace }}.svc
{{- end }}

{{/* The agents' namespace (Pod Security privileged), apart from the controller's release namespace. */}}
{{- define "egressgw.agentNamespace" -}}
{{ .Values.agent.namespace }}
{{- end }}

{{/*
Fails the render when the agents would share the controller's namespace: the controller runs under
Pod Security `restricted`, which the agents (hostNetwork, BPF capabilities) cannot pass.
*/}}
{{- define "egressgw.checkAgentNamespace" -}}
{{- if eq .Values.agent.namespace .Release.Namespace }}
{{- fail (printf "agent.namespace must differ from the release namespace %s: the controller runs there under Pod Security restricted, the agents need privileged" .Release.Namespace) }}
{{- end }}
{{- end }}

{{/*
Fails the render when the agent would not tolerate the start-up taint: nodes registered with it get
no ordinary pods until their agent is programmed, so an agent kept off them deadlocks the cluster.
*/}}
{{- define "egressgw.checkAgentTolerations" -}}
{{- $ok := false }}
{{- range .Values.agent.tolerations }}
{{- if and (eq (.operator | default "Equal") "Exists") (or (not .key) (eq .key "egressgw.io/agent-not-ready")) (or (not .effect) (eq .effect "NoSchedule")) }}
{{- $ok = true }}
{{- end }}
{{- end }}
{{- if not $ok }}
{{- fail "agent.tolerations must tolerate the start-up taint egressgw.io/agent-not-ready:NoSchedule (operator: Exists)" }}
{{- end }}
{{- end }}

{{/* CORS origins from a list or one comma-separated string. */}}
{{- define "egressgw.corsOrigins" -}}
{{- $o := .Values.rest.cors.origins }}
{{- if kindIs "string" $o }}{{ $o }}{{ else }}{{ join "," $o }}{{ end }}
{{- end }}

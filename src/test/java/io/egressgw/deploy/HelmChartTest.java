package io.egressgw.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart at charts/egressgw: it lints, ships the generated CRDs unchanged, and its values
 * reach the objects (uplink interface, CORS, auth mode, monitoring). That it installs what the
 * kustomize base installs is HelmKustomizeDriftTest's.
 */
class HelmChartTest {

  @Test
  void theChartLintsWithoutErrors() {
    LintResult lint = new Helm(HelmChart.CHART).lint().call();

    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]"));
    assertThat(lint.isFailed()).as("lint: %s", lint.getMessages()).isFalse();
  }

  @Test
  void theChartLintsInStrictMode() {
    LintResult lint = new Helm(HelmChart.CHART).lint().strict().call();

    assertThat(lint.isFailed()).as("lint: %s", lint.getMessages()).isFalse();
  }

  @Test
  void theChartsCrdsAreByteIdenticalToTheGeneratedOnesInK8s() throws IOException {
    List<String> generated = fileNames(KustomizeBase.K8S.resolve("crds"));

    assertThat(fileNames(HelmChart.CHART.resolve("crds"))).isEqualTo(generated).isNotEmpty();
    for (String name : generated) {
      assertThat(Files.readAllBytes(HelmChart.CHART.resolve("crds").resolve(name)))
          .as(
              "charts/egressgw/crds/%s is a copy of k8s/crds/%s (cp k8s/crds/*"
                  + " charts/egressgw/crds/)",
              name, name)
          .isEqualTo(Files.readAllBytes(KustomizeBase.K8S.resolve("crds").resolve(name)));
    }
  }

  @Test
  void theUplinkInterfaceReachesTheAgentsEnvironment() {
    List<HasMetadata> objects =
        HelmChart.render(Map.of("agent", Map.of("uplinkInterface", "bond0.42")));

    assertThat(agentEnv(objects)).containsEntry("EGRESSGW_AGENT_DATAPLANE_UPLINK", "bond0.42");
  }

  @Test
  void theSnatPortAllocationReachesTheAgentsEnvironmentAndRollsTheAgents() {
    List<HasMetadata> random =
        HelmChart.render(Map.of("agent", Map.of("snatPortAllocation", "fully-random")));
    List<HasMetadata> byDefault = HelmChart.render(Map.of());

    assertThat(agentEnv(random))
        .containsEntry("EGRESSGW_AGENT_DATAPLANE_SNAT_PORT_ALLOCATION", "fully-random");
    assertThat(agentEnv(byDefault))
        .containsEntry("EGRESSGW_AGENT_DATAPLANE_SNAT_PORT_ALLOCATION", "default");
    assertThat(agentSettingsChecksum(random))
        .as("a changed setting changes the pod template: the agents restart with it")
        .isNotEqualTo(agentSettingsChecksum(byDefault));
  }

  @Test
  void anUnknownSnatPortAllocationIsRefusedByTheSchema() {
    assertThatThrownBy(
            () -> HelmChart.render(Map.of("agent", Map.of("snatPortAllocation", "sequential"))))
        .hasMessageContaining("snatPortAllocation");
  }

  @Test
  void theDefaultUplinkIsTheKustomizeBasesEth0() {
    assertThat(agentEnv(HelmChart.render(Map.of())))
        .containsEntry("EGRESSGW_AGENT_DATAPLANE_UPLINK", "eth0");
  }

  @Test
  void changingTheUplinkRollsTheAgents() {
    String before = agentTemplateAnnotations(HelmChart.render(Map.of()));
    String after =
        agentTemplateAnnotations(
            HelmChart.render(Map.of("agent", Map.of("uplinkInterface", "eth1"))));

    assertThat(after).isNotEqualTo(before);
  }

  static Stream<Arguments> corsOrigins() {
    return Stream.of(
        Arguments.of("a list", List.of("https://portal.example.com", "https://ops.example.com")),
        Arguments.of(
            "a comma-separated string", "https://portal.example.com,https://ops.example.com"));
  }

  @ParameterizedTest(name = "origins as {0}")
  @MethodSource("corsOrigins")
  void corsOriginsTurnOnCorsAndExposeTheHeadersBrowserCodeReads(String desc, Object origins) {
    List<HasMetadata> objects =
        HelmChart.render(Map.of("rest", Map.of("cors", Map.of("origins", origins))));

    assertThat(env(controller(objects)))
        .containsEntry("QUARKUS_HTTP_CORS_ENABLED", "true")
        .containsEntry(
            "QUARKUS_HTTP_CORS_ORIGINS", "https://portal.example.com,https://ops.example.com")
        .containsEntry("QUARKUS_HTTP_CORS_EXPOSED_HEADERS", "ETag,Location,Retry-After");
  }

  @Test
  void corsIsOffByDefault() {
    assertThat(env(controller(HelmChart.render(Map.of()))))
        .doesNotContainKeys(
            "QUARKUS_HTTP_CORS_ENABLED",
            "QUARKUS_HTTP_CORS_ORIGINS",
            "QUARKUS_HTTP_CORS_EXPOSED_HEADERS");
  }

  @Test
  void theAuthModeReachesTheController() {
    List<HasMetadata> objects = HelmChart.render(Map.of("rest", Map.of("authMode", "kubernetes")));

    assertThat(env(controller(objects))).containsEntry("EGRESSGW_REST_AUTH_MODE", "kubernetes");
  }

  @Test
  void imageReplicasResourcesAndSchedulingReachTheWorkloads() {
    Map<String, Object> values = new HashMap<>();
    values.put(
        "image",
        Map.of("repository", "registry.example/egressgw", "tag", "1.2.3", "pullPolicy", "Always"));
    values.put(
        "controller",
        Map.of(
            "replicas",
            3,
            "nodeSelector",
            Map.of("role", "infra"),
            "resources",
            Map.of("requests", Map.of("cpu", "1"))));
    values.put(
        "agent",
        Map.of(
            "nodeSelector",
            Map.of("egress", "yes"),
            "resources",
            Map.of("requests", Map.of("cpu", "2")),
            "tolerations",
            List.of(Map.of("key", "egressgw.io/agent-not-ready", "operator", "Exists"))));

    List<HasMetadata> objects = HelmChart.render(values);

    Deployment controller = only(objects, Deployment.class);
    DaemonSet agent = only(objects, DaemonSet.class);
    assertThat(controller.getSpec().getReplicas()).isEqualTo(3);
    assertThat(controller.getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry("role", "infra");
    assertThat(agent.getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry("egress", "yes");
    assertThat(controller(objects).getResources().getRequests().get("cpu").toString())
        .isEqualTo("1");
    assertThat(agentContainer(objects).getResources().getRequests().get("cpu").toString())
        .isEqualTo("2");
    for (Container c : List.of(controller(objects), agentContainer(objects))) {
      assertThat(c.getImage()).isEqualTo("registry.example/egressgw:1.2.3");
      assertThat(c.getImagePullPolicy()).isEqualTo("Always");
    }
    assertThat(controller.getSpec().getTemplate().getSpec().getTolerations())
        .anyMatch(t -> "egressgw.io/agent-not-ready".equals(t.getKey()));
  }

  /**
   * Issue 15: the controller in the release namespace under Pod Security `restricted`, the agents
   * in a namespace of their own under `privileged`, and the controller's pod passing `restricted`.
   */
  @Test
  void theControllerRunsUnderRestrictedAndTheAgentsInTheirOwnPrivilegedNamespace() {
    List<HasMetadata> objects = HelmChart.render(Map.of("namespace", Map.of("create", true)));

    Map<String, String> labels =
        objects.stream()
            .filter(io.fabric8.kubernetes.api.model.Namespace.class::isInstance)
            .filter(n -> n.getMetadata().getName().equals(HelmChart.NAMESPACE))
            .findFirst()
            .orElseThrow()
            .getMetadata()
            .getLabels();
    assertThat(labels)
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted")
        .containsEntry("pod-security.kubernetes.io/audit", "restricted")
        .containsEntry("pod-security.kubernetes.io/warn", "restricted");
    assertThat(
            objects.stream()
                .filter(io.fabric8.kubernetes.api.model.Namespace.class::isInstance)
                .filter(n -> n.getMetadata().getName().equals("egressgw-agent"))
                .findFirst()
                .orElseThrow()
                .getMetadata()
                .getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "privileged");
    Deployment controller = only(objects, Deployment.class);
    assertThat(controller.getMetadata().getNamespace()).isEqualTo(HelmChart.NAMESPACE);
    KubernetesManifestsTest.assertPassesRestricted(controller.getSpec().getTemplate().getSpec());
    assertThat(only(objects, DaemonSet.class).getMetadata().getNamespace())
        .isEqualTo("egressgw-agent");
  }

  @Test
  void agentNamespaceMovesEveryAgentSideObjectAndTheControllerFollows() {
    List<HasMetadata> objects =
        HelmChart.render(Map.of("agent", Map.of("namespace", "egress-nodes")));

    assertThat(objects)
        .filteredOn(o -> "egress-nodes".equals(o.getMetadata().getNamespace()))
        .extracting(o -> o.getKind() + " " + o.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "ServiceAccount egressgw-agent",
            "ConfigMap egressgw-agent-settings",
            "DaemonSet egressgw-agent",
            "Role egressgw-controller",
            "RoleBinding egressgw-controller");
    assertThat(objects)
        .filteredOn(o -> o.getKind().equals("Namespace"))
        .extracting(o -> o.getMetadata().getName())
        .containsExactly("egress-nodes");
    Container init =
        only(objects, Deployment.class)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getInitContainers()
            .get(0);
    assertThat(env(init))
        .containsEntry("EGRESSGW_CONTROLLER_TLS_AGENT_TRUST_NAMESPACE", "egress-nodes");
    assertThat(env(controller(objects)))
        .containsEntry("EGRESSGW_CONTROLLER_TLS_AGENT_TRUST_NAMESPACE", "egress-nodes")
        .containsEntry(
            "EGRESSGW_CONTROLLER_CHANNEL_AUTH_AGENT_SERVICE_ACCOUNT",
            "egress-nodes:egressgw-agent");
    // the agents still reach the controller in its own namespace
    assertThat(agentEnv(objects))
        .containsEntry(
            "EGRESSGW_AGENT_CHANNEL_CONTROLLER_URL",
            "https://egressgw-controller-leader." + HelmChart.NAMESPACE + ".svc:443");
  }

  @Test
  void agentsInTheControllersNamespaceAreRefused() {
    Map<String, Object> values = Map.of("agent", Map.of("namespace", HelmChart.NAMESPACE));

    assertThatThrownBy(() -> HelmChart.render(values)).hasMessageContaining("restricted");
  }

  @Test
  void agentTolerationsThatKeepItOffNodesWithTheStartupTaintAreRefused() {
    Map<String, Object> values =
        Map.of(
            "agent", Map.of("tolerations", List.of(Map.of("key", "other", "operator", "Exists"))));

    assertThatThrownBy(() -> HelmChart.render(values))
        .hasMessageContaining("egressgw.io/agent-not-ready");
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("an unknown auth mode", Map.of("rest", Map.of("authMode", "bearer"))),
        Arguments.of(
            "an uplink that is no interface name",
            Map.of("agent", Map.of("uplinkInterface", "eth0 eth1"))),
        Arguments.of("no controller", Map.of("controller", Map.of("replicas", 0))),
        Arguments.of(
            "a node CIDR that is no CIDR",
            Map.of("networkPolicy", Map.of("nodeCIDRs", List.of("nodes")))),
        Arguments.of(
            "an agent namespace that is no DNS label",
            Map.of("agent", Map.of("namespace", "Egress_Nodes"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void theValuesSchemaRefuses(String desc, Map<String, Object> values) {
    assertThatThrownBy(() -> HelmChart.render(values)).hasMessageContaining("schema");
  }

  @Test
  void monitoringIsOffByDefault() {
    assertThat(HelmChart.render(Map.of()))
        .noneMatch(o -> o.getApiVersion().startsWith("monitoring.coreos.com/"))
        .noneMatch(o -> o.getMetadata().getName().equals("egressgw-dashboard"));
  }

  @Test
  void theServiceMonitorScrapesTheControllersManagementPortAndThePodMonitorTheAgents() {
    List<HasMetadata> objects =
        HelmChart.render(Map.of("metrics", Map.of("serviceMonitor", Map.of("enabled", true))));

    GenericKubernetesResource serviceMonitor = generic(objects, "ServiceMonitor");
    Map<String, Object> endpoint = first(serviceMonitor.get("spec", "endpoints"));
    assertThat(endpoint)
        .containsEntry("port", "management")
        .containsEntry("scheme", "http")
        .containsEntry("path", "/q/metrics");
    assertThat(
            only(objects, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getPorts())
        .anyMatch(p -> "management".equals(p.getName()));
    assertThat(
            serviceMonitor.<String>get("spec", "selector", "matchLabels", "app.kubernetes.io/name"))
        .isEqualTo("egressgw-controller");
    // Exactly one Service carries the label the ServiceMonitor selects: the leader-only Service
    // does not, or the leader would be scraped twice.
    assertThat(
            objects.stream()
                .filter(io.fabric8.kubernetes.api.model.Service.class::isInstance)
                .filter(
                    o ->
                        "egressgw-controller"
                            .equals(o.getMetadata().getLabels().get("app.kubernetes.io/name")))
                .map(o -> o.getMetadata().getName())
                .toList())
        .containsExactly("egressgw-controller");
    GenericKubernetesResource podMonitor = generic(objects, "PodMonitor");
    assertThat(first(podMonitor.get("spec", "podMetricsEndpoints")))
        .containsEntry("port", "management")
        .containsEntry("path", "/q/metrics");
    assertThat(podMonitor.<List<String>>get("spec", "namespaceSelector", "matchNames"))
        .containsExactly("egressgw-agent");
  }

  /**
   * Issue 15: the API port (REST, webhook), the agent channel's port (node addresses only) and the
   * management port (only the peers named) are three rules of the controller's NetworkPolicy.
   */
  @Test
  void theNetworkPolicyAdmitsNodesOnlyToTheChannelAndNobodyButTheNamedToMetricsByDefault() {
    io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy policy =
        only(
            HelmChart.render(Map.of()),
            io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);

    var rules = policy.getSpec().getIngress();
    assertThat(rules).hasSize(2);
    assertThat(rules.get(0).getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(8443));
    assertThat(rules.get(0).getFrom()).isNullOrEmpty();
    assertThat(rules.get(1).getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(8444));
    assertThat(rules.get(1).getFrom())
        .extracting(f -> f.getIpBlock().getCidr())
        .containsExactly("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16");
    // the ports the rules name are the controller's: API, channel; management has no rule
    assertThat(
            only(HelmChart.render(Map.of()), Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getPorts())
        .extracting(p -> p.getName() + "=" + p.getContainerPort())
        .containsExactlyInAnyOrder("https=8443", "agent-channel=8444", "management=9000");
  }

  @Test
  void networkPolicyValuesNameTheNodesTheApiClientsAndThePrometheus() {
    Map<String, Object> prometheus =
        Map.of(
            "namespaceSelector",
            Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")));
    Map<String, Object> portal =
        Map.of("podSelector", Map.of("matchLabels", Map.of("app", "portal")));
    List<HasMetadata> objects =
        HelmChart.render(
            Map.of(
                "networkPolicy",
                Map.of(
                    "nodeCIDRs", List.of("192.168.1.0/24"),
                    "apiFrom", List.of(portal),
                    "metricsFrom", List.of(prometheus))));

    var rules =
        only(objects, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class)
            .getSpec()
            .getIngress();
    assertThat(rules).hasSize(3);
    assertThat(rules.get(0).getFrom())
        .singleElement()
        .satisfies(
            f -> assertThat(f.getPodSelector().getMatchLabels()).containsEntry("app", "portal"));
    assertThat(rules.get(1).getFrom())
        .extracting(f -> f.getIpBlock().getCidr())
        .containsExactly("192.168.1.0/24");
    assertThat(rules.get(2).getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(9000));
    assertThat(rules.get(2).getFrom())
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.getNamespaceSelector().getMatchLabels())
                    .containsEntry("kubernetes.io/metadata.name", "monitoring"));
  }

  /** Agents reach the leader on the channel's port, REST clients and the webhook the API port. */
  @Test
  void theLeaderServiceLeadsToTheChannelPortAndTheControllerServiceToTheApiPort() {
    List<HasMetadata> objects = HelmChart.render(Map.of());
    Map<String, String> targets = new HashMap<>();
    objects.stream()
        .filter(io.fabric8.kubernetes.api.model.Service.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.Service.class::cast)
        .forEach(
            s ->
                s.getSpec()
                    .getPorts()
                    .forEach(
                        p ->
                            targets.put(
                                s.getMetadata().getName() + ":" + p.getPort(),
                                p.getTargetPort().getStrVal())));

    assertThat(targets)
        .containsEntry("egressgw-controller-leader:443", "agent-channel")
        .containsEntry("egressgw-controller:443", "https")
        .containsEntry("egressgw-controller:9000", "management");
    assertThat(env(controller(objects))).containsEntry("EGRESSGW_CONTROLLER_CHANNEL_PORT", "8444");
  }

  @Test
  void thePrometheusRuleAlertsOnEveryStateAnOperatorMustAct() {
    List<HasMetadata> objects =
        HelmChart.render(Map.of("metrics", Map.of("prometheusRule", Map.of("enabled", true))));

    GenericKubernetesResource rule = generic(objects, "PrometheusRule");
    List<Map<String, Object>> groups = rule.get("spec", "groups");
    Map<String, String> exprByAlert = new HashMap<>();
    for (Map<String, Object> group : groups) {
      for (Map<String, Object> r : list(group.get("rules"))) {
        exprByAlert.put((String) r.get("alert"), (String) r.get("expr"));
      }
    }
    assertThat(exprByAlert)
        .containsEntry("EgressgwFloatingIpUnassigned", "egressgw_floating_ips_unassigned > 0")
        .containsEntry("EgressgwNodeDown", "egressgw_nodes{state=\"Down\"} > 0")
        .containsEntry("EgressgwFailoverFrozen", "egressgw_failover_frozen > 0")
        .containsEntry(
            "EgressgwPolicyNotProgrammed",
            "egressgw_policies{condition=\"Programmed\",status=\"False\"} > 0")
        .containsEntry(
            "EgressgwSnatAllocationFailures",
            "increase(egressgw_agent_snat_allocation_failures_total[5m]) > 0")
        .containsEntry("EgressgwGuardDrops", "increase(egressgw_agent_guard_drops_total[5m]) > 0");
  }

  @Test
  void theDashboardIsAConfigMapGrafanasSidecarLoads() throws IOException {
    List<HasMetadata> objects =
        HelmChart.render(Map.of("metrics", Map.of("dashboard", Map.of("enabled", true))));

    ConfigMap dashboard =
        objects.stream()
            .filter(ConfigMap.class::isInstance)
            .map(ConfigMap.class::cast)
            .filter(c -> c.getMetadata().getName().equals("egressgw-dashboard"))
            .findFirst()
            .orElseThrow();
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    String json = dashboard.getData().get("egressgw.json");
    Map<String, Object> parsed =
        new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
    assertThat(list(parsed.get("panels")))
        .extracting(p -> (String) p.get("title"))
        .contains(
            "Floating IPs", "Failovers", "Per-policy traffic", "SNAT pressure", "Rollout latency");
    assertThat(json)
        .contains("egressgw_agent_policy_bytes_total", "egressgw_agent_policy_packets_total");
  }

  /**
   * The "floating IP map" maps each IP to its node (not a count per node), and "SNAT pressure"
   * shows the connections SNATed to each IP, the figure an operator compares with the ~64,000
   * source ports of one IP.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theDashboardMapsEachFloatingIpToItsNodeAndShowsSnatConnectionsPerIp() throws IOException {
    Map<String, Object> dashboard =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(
                HelmChart.CHART.resolve("files/egressgw-dashboard.json").toFile(), Map.class);
    Map<String, String> exprByTitle = new java.util.LinkedHashMap<>();
    for (Map<String, Object> panel : list(dashboard.get("panels"))) {
      for (Map<String, Object> target : list(panel.getOrDefault("targets", List.of()))) {
        exprByTitle.merge(
            (String) panel.get("title"), (String) target.get("expr"), (a, b) -> a + "\n" + b);
      }
    }

    assertThat(exprByTitle)
        .hasEntrySatisfying(
            "Floating IP map: the node holding each IP",
            expr ->
                assertThat(expr)
                    .contains("by (floating_ip, node)")
                    .contains("egressgw_agent_snat_connections"));
    assertThat(exprByTitle)
        .hasEntrySatisfying(
            "SNAT connections per floating IP",
            expr ->
                assertThat(expr)
                    .isEqualTo("sum by (floating_ip, node) (egressgw_agent_snat_connections)"));
  }

  /** "Rollout latency" is measured (change -> agent acknowledged), not approximated. */
  @Test
  void theRolloutLatencyRowShowsTheMeasuredRolloutToEachNode() throws IOException {
    String dashboard = Files.readString(HelmChart.CHART.resolve("files/egressgw-dashboard.json"));

    assertThat(dashboard)
        .contains(
            "histogram_quantile(0.99, sum by (le)"
                + " (rate(egressgw_program_rollout_seconds_bucket[$__rate_interval])))");
  }

  @Test
  void everyMetricTheAlertsAndTheDashboardUseIsExportedOrListedAsNotExportedYet()
      throws IOException {
    Set<String> exported = exportedMeters();
    Set<String> notYet = listedAsNotExportedYet();
    String chart =
        Files.readString(HelmChart.CHART.resolve("templates/prometheusrule.yaml"))
            + Files.readString(HelmChart.CHART.resolve("files/egressgw-dashboard.json"));
    Set<String> used = new TreeSet<>();
    Matcher m = Pattern.compile("egressgw_[a-z0-9_]+").matcher(chart);
    while (m.find()) {
      used.add(meter(m.group()));
    }

    assertThat(used).isNotEmpty();
    assertThat(used)
        .allSatisfy(
            name ->
                assertThat(exported.contains(name) || notYet.contains(name))
                    .as(
                        "%s is a meter of src/main/java or listed in the chart's README under"
                            + " 'Metrics not exported yet'",
                        name)
                    .isTrue());
    // Once the code exports one, the README must stop saying it does not.
    assertThat(notYet)
        .as("listed as not exported yet, but exported")
        .doesNotContainAnyElementsOf(exported);
  }

  /**
   * The Micrometer meter names of src/main/java (string literals "egressgw.x.y" in files using
   * Micrometer) in Prometheus form without suffixes: egressgw_x_y.
   */
  static Set<String> exportedMeters() throws IOException {
    Set<String> names = new TreeSet<>();
    Pattern literal = Pattern.compile("\"(egressgw(?:\\.[a-z0-9]+)+)\"");
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file);
        if (!source.contains("io.micrometer")) {
          continue;
        }
        Matcher m = literal.matcher(source);
        while (m.find()) {
          names.add(m.group(1).replace('.', '_'));
        }
      }
    }
    return names;
  }

  /** The names the chart's README lists under "Metrics not exported yet", without suffixes. */
  static Set<String> listedAsNotExportedYet() throws IOException {
    String readme = Files.readString(HelmChart.CHART.resolve("README.md"));
    String section = readme.substring(readme.indexOf("### Metrics not exported yet"));
    int next = section.indexOf("\n#", 1);
    section = next < 0 ? section : section.substring(0, next);
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^- `(egressgw_[a-z0-9_]+)`").matcher(section);
    while (m.find()) {
      names.add(meter(m.group(1)));
    }
    assertThat(names.isEmpty() == section.contains("\nNone:"))
        .as("the README's section lists metrics not exported yet or says None: %s", section)
        .isTrue();
    return names;
  }

  /** A Prometheus series name without the suffixes Micrometer adds to the meter's name. */
  static String meter(String series) {
    return series
        .replaceFirst("_(bucket|count|sum|max)$", "")
        .replaceFirst("_total$", "")
        .replaceFirst("_seconds$", "");
  }

  static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  static GenericKubernetesResource generic(List<HasMetadata> objects, String kind) {
    return objects.stream()
        .filter(o -> o.getKind().equals(kind))
        .map(GenericKubernetesResource.class::cast)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind));
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  static Map<String, Object> first(Object o) {
    return list(o).get(0);
  }

  static Container controller(List<HasMetadata> objects) {
    return only(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  static Container agentContainer(List<HasMetadata> objects) {
    return only(objects, DaemonSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  static String agentTemplateAnnotations(List<HasMetadata> objects) {
    return String.valueOf(
        only(objects, DaemonSet.class).getSpec().getTemplate().getMetadata().getAnnotations());
  }

  static Map<String, String> env(Container c) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : c.getEnv()) {
      env.put(e.getName(), e.getValue());
    }
    return env;
  }

  /** The agent's environment as the kubelet builds it: envFrom ConfigMaps, then env. */
  static Map<String, String> agentEnv(List<HasMetadata> objects) {
    Container agent = agentContainer(objects);
    Map<String, String> env = new HashMap<>();
    agent.getEnvFrom().stream()
        .filter(f -> f.getConfigMapRef() != null)
        .forEach(
            f ->
                objects.stream()
                    .filter(ConfigMap.class::isInstance)
                    .map(ConfigMap.class::cast)
                    .filter(c -> c.getMetadata().getName().equals(f.getConfigMapRef().getName()))
                    .forEach(c -> env.putAll(c.getData())));
    env.putAll(env(agent));
    return env;
  }

  /** The agent pod template's settings checksum (changes roll the DaemonSet). */
  static String agentSettingsChecksum(List<HasMetadata> objects) {
    return objects.stream()
        .filter(io.fabric8.kubernetes.api.model.apps.DaemonSet.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.apps.DaemonSet.class::cast)
        .findFirst()
        .orElseThrow()
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get("egressgw.io/agent-settings");
  }
}

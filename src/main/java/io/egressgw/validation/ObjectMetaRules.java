package io.egressgw.validation;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/** Rules shared by both kinds: apiVersion, kind, metadata.name and namespace, labels. */
final class ObjectMetaRules {
  private ObjectMetaRules() {}

  static void check(
      HasMetadata object, String apiVersion, String kind, boolean namespaced, List<Violation> out) {
    if (object.getApiVersion() != null && !apiVersion.equals(object.getApiVersion())) {
      out.add(
          new Violation(
              "apiVersion", "must be " + apiVersion + ", got '" + object.getApiVersion() + "'"));
    }
    if (object.getKind() != null && !kind.equals(object.getKind())) {
      out.add(new Violation("kind", "must be " + kind + ", got '" + object.getKind() + "'"));
    }
    ObjectMeta meta = object.getMetadata();
    if (meta == null) {
      out.add(new Violation("metadata", "is required: metadata.name names the object"));
      return;
    }
    KubernetesNames.subdomainProblem(meta.getName())
        .ifPresent(p -> out.add(new Violation("metadata.name", p)));
    if (namespaced) {
      KubernetesNames.labelProblem(meta.getNamespace())
          .ifPresent(p -> out.add(new Violation("metadata.namespace", p)));
    } else if (meta.getNamespace() != null && !meta.getNamespace().isEmpty()) {
      out.add(
          new Violation(
              "metadata.namespace",
              kind + " is cluster-scoped: metadata.namespace must not be set"));
    }
    labels("metadata.labels", meta.getLabels(), out);
  }

  static void labels(String path, Map<String, String> labels, List<Violation> out) {
    if (labels == null) {
      return;
    }
    labels.forEach(
        (key, value) -> {
          String field = path + "[" + key + "]";
          KubernetesNames.labelKeyProblem(key).ifPresent(p -> out.add(new Violation(field, p)));
          KubernetesNames.labelValueProblem(value).ifPresent(p -> out.add(new Violation(field, p)));
        });
  }
}

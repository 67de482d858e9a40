package io.egressgw.security;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a REST call does, in the words of Kubernetes RBAC: the verb, API group, resource, namespace
 * and name that `kubectl` would need for the same operation. A pure function of method and path, so
 * that the cluster's RBAC governs the REST API exactly as it governs kubectl.
 *
 * @param verb get, list, create, update, delete
 * @param group API group of the custom resource
 * @param resource plural resource name
 * @param namespace namespace, or null for cluster-scoped resources
 * @param name object name, or null for collection calls
 */
public record KubernetesRequestAttributes(
    String verb, String group, String resource, String namespace, String name) {

  static final String GROUP = "networking.gke.io";
  private static final Pattern GATEWAY_GROUPS =
      Pattern.compile("^/v1/namespaces/([^/]+)/gateway-groups(?:/([^/]+))?/?$");
  private static final Pattern EGRESS_POLICIES = Pattern.compile("^/v1/egress-policies(?:/([^/]+))?/?$");

  /** The RBAC attributes of a call, or empty when the path is not part of the public resource API. */
  public static Optional<KubernetesRequestAttributes> of(String method, String path) {
    Matcher m = GATEWAY_GROUPS.matcher(path);
    if (m.matches()) {
      return verb(method, m.group(2))
          .map(v -> new KubernetesRequestAttributes(v, GROUP, "networkgatewaygroups", m.group(1), m.group(2)));
    }
    Matcher p = EGRESS_POLICIES.matcher(path);
    if (p.matches()) {
      return verb(method, p.group(1))
          .map(v -> new KubernetesRequestAttributes(v, GROUP, "egressnatpolicies", null, p.group(1)));
    }
    return Optional.empty();
  }

  private static Optional<String> verb(String method, String name) {
    boolean collection = name == null;
    return Optional.ofNullable(
        switch (method) {
          case "GET", "HEAD" -> collection ? "list" : "get";
          case "POST" -> collection ? "create" : null;
          case "PUT" -> collection ? null : "update";
          case "PATCH" -> collection ? null : "patch";
          case "DELETE" -> collection ? "deletecollection" : "delete";
          default -> null;
        });
  }

  /** kubectl-style wording for error messages, e.g. "create networkgatewaygroups in kube-system". */
  public String describe() {
    return verb
        + " "
        + resource
        + (name != null ? " " + name : "")
        + (namespace != null ? " in namespace " + namespace : "");
  }
}

package io.egressgw.security;

import java.util.Optional;

/**
 * What a REST call does, in the words of Kubernetes RBAC: the verb, API group, resource, namespace
 * and name that `kubectl` would need for the same operation. A pure function of the HTTP method and
 * the matched route (its resource and path parameters), never of the raw path, so that the
 * cluster's RBAC governs the REST API exactly as it governs kubectl.
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

  /**
   * The RBAC attributes of a call on a matched route, or empty when the method is no operation of
   * the resource (e.g. POST on a named object).
   *
   * @param namespace the route's namespace parameter, null for cluster-scoped resources
   * @param name the route's name parameter, null for collection calls
   */
  public static Optional<KubernetesRequestAttributes> of(
      String method, String group, String resource, String namespace, String name) {
    return verb(method, name)
        .map(v -> new KubernetesRequestAttributes(v, group, resource, namespace, name));
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

  /**
   * kubectl-style wording for error messages, e.g. "create networkgatewaygroups in kube-system".
   */
  public String describe() {
    return verb
        + " "
        + resource
        + (name != null ? " " + name : "")
        + (namespace != null ? " in namespace " + namespace : "");
  }
}

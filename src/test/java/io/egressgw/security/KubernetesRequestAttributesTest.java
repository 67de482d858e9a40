package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Calls on a matched route (its resource and path parameters, never the raw path) map to the RBAC
 * attributes kubectl would need for the same operation.
 */
class KubernetesRequestAttributesTest {
  static final String GROUPS = "networkgatewaygroups";
  static final String POLICIES = "egressnatpolicies";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "list groups",
            "GET",
            GROUPS,
            "kube-system",
            null,
            "list networkgatewaygroups ns=kube-system name=null"),
        Arguments.of(
            "get a group",
            "GET",
            GROUPS,
            "kube-system",
            "default",
            "get networkgatewaygroups ns=kube-system name=default"),
        Arguments.of(
            "create a group",
            "POST",
            GROUPS,
            "kube-system",
            null,
            "create networkgatewaygroups ns=kube-system name=null"),
        Arguments.of(
            "replace a group", "PUT", GROUPS, "a", "g", "update networkgatewaygroups ns=a name=g"),
        Arguments.of(
            "delete a group",
            "DELETE",
            GROUPS,
            "a",
            "g",
            "delete networkgatewaygroups ns=a name=g"),
        Arguments.of(
            "list policies (cluster-scoped)",
            "GET",
            POLICIES,
            null,
            null,
            "list egressnatpolicies ns=null name=null"),
        Arguments.of(
            "create a policy",
            "POST",
            POLICIES,
            null,
            null,
            "create egressnatpolicies ns=null name=null"),
        Arguments.of(
            "delete a policy",
            "DELETE",
            POLICIES,
            null,
            "egress",
            "delete egressnatpolicies ns=null name=egress"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mapsToKubectlVerbs(
      String desc, String method, String resource, String ns, String name, String expected) {
    KubernetesRequestAttributes a =
        KubernetesRequestAttributes.of(
                method, KubernetesRequestAttributes.GROUP, resource, ns, name)
            .orElseThrow();
    assertThat(a.verb() + " " + a.resource() + " ns=" + a.namespace() + " name=" + a.name())
        .isEqualTo(expected);
    assertThat(a.group()).isEqualTo("networking.gke.io");
  }

  static Stream<Arguments> noOperation() {
    return Stream.of(
        Arguments.of("POST on a named object", "POST", "x"),
        Arguments.of("PUT on the collection", "PUT", null),
        Arguments.of("an unknown method", "TRACE", "x"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("noOperation")
  void otherCallsAreNoResourceOperation(String desc, String method, String name) {
    assertThat(
            KubernetesRequestAttributes.of(
                method, KubernetesRequestAttributes.GROUP, POLICIES, null, name))
        .isEmpty();
  }
}

package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** REST calls map to the RBAC attributes kubectl would need for the same operation. */
class KubernetesRequestAttributesTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("list groups", "GET", "/v1/namespaces/kube-system/gateway-groups",
            "list networkgatewaygroups ns=kube-system name=null"),
        Arguments.of("get a group", "GET", "/v1/namespaces/kube-system/gateway-groups/default",
            "get networkgatewaygroups ns=kube-system name=default"),
        Arguments.of("create a group", "POST", "/v1/namespaces/kube-system/gateway-groups",
            "create networkgatewaygroups ns=kube-system name=null"),
        Arguments.of("replace a group", "PUT", "/v1/namespaces/a/gateway-groups/g",
            "update networkgatewaygroups ns=a name=g"),
        Arguments.of("delete a group", "DELETE", "/v1/namespaces/a/gateway-groups/g",
            "delete networkgatewaygroups ns=a name=g"),
        Arguments.of("list policies (cluster-scoped)", "GET", "/v1/egress-policies",
            "list egressnatpolicies ns=null name=null"),
        Arguments.of("create a policy", "POST", "/v1/egress-policies",
            "create egressnatpolicies ns=null name=null"),
        Arguments.of("delete a policy", "DELETE", "/v1/egress-policies/egress",
            "delete egressnatpolicies ns=null name=egress"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mapsToKubectlVerbs(String desc, String method, String path, String expected) {
    KubernetesRequestAttributes a = KubernetesRequestAttributes.of(method, path).orElseThrow();
    assertThat(a.verb() + " " + a.resource() + " ns=" + a.namespace() + " name=" + a.name())
        .isEqualTo(expected);
    assertThat(a.group()).isEqualTo("networking.gke.io");
  }

  static Stream<Arguments> notGuarded() {
    return Stream.of(
        Arguments.of("health", "GET", "/q/health"),
        Arguments.of("openapi", "GET", "/q/openapi"),
        Arguments.of("agent channel (own authentication)", "POST", "/v1/agents/worker1/heartbeat"),
        Arguments.of("POST on a named object is no operation", "POST", "/v1/egress-policies/x"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notGuarded")
  void otherPathsAreNotResourceCalls(String desc, String method, String path) {
    assertThat(KubernetesRequestAttributes.of(method, path)).isEmpty();
  }
}

package io.egressgw.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.GatewayRef;
import io.egressgw.api.v1.NetworkGatewayGroup;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Deleting a gateway group that policies use: refused, unless forced or annotated. */
class GatewayGroupInUseTest {

  static Stream<Arguments> cases() {
    NetworkGatewayGroup annotated = Fixtures.group("kube-system", "default", "192.168.1.100");
    annotated.getMetadata().setAnnotations(Map.of(GatewayGroupInUse.ALLOW_DELETE, "true"));
    NetworkGatewayGroup annotatedFalse = Fixtures.group("kube-system", "default", "192.168.1.100");
    annotatedFalse.getMetadata().setAnnotations(Map.of(GatewayGroupInUse.ALLOW_DELETE, "false"));
    NetworkGatewayGroup plain = Fixtures.group("kube-system", "default", "192.168.1.100");
    return Stream.of(
        Arguments.of("no policy at all", plain, List.of(), false, List.of()),
        Arguments.of(
            "a policy of another group (same name, other namespace)",
            plain,
            List.of(policy("elsewhere", "default", "other")),
            false,
            List.of()),
        Arguments.of(
            "two policies reference it: both named, in name order",
            plain,
            List.of(
                policy("zeta", "default", "kube-system"),
                policy("alpha", "default", "kube-system")),
            false,
            List.of("alpha", "zeta")),
        Arguments.of(
            "referenced but forced by the caller",
            plain,
            List.of(policy("egress", "default", "kube-system")),
            true,
            List.of()),
        Arguments.of(
            "referenced but annotated allow-delete-in-use=true",
            annotated,
            List.of(policy("egress", "default", "kube-system")),
            false,
            List.of()),
        Arguments.of(
            "an annotation other than true does not override",
            annotatedFalse,
            List.of(policy("egress", "default", "kube-system")),
            false,
            List.of("egress")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aGroupInUseIsNotDeletedUnlessTheCallerSaysSo(
      String desc,
      NetworkGatewayGroup group,
      List<EgressNATPolicy> policies,
      boolean force,
      List<String> refusedFor) {
    Verdict verdict = GatewayGroupInUse.deletion(group, policies, force);

    if (refusedFor.isEmpty()) {
      assertThat(verdict.isAllowed()).isTrue();
    } else {
      assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.CONFLICT);
      assertThat(verdict.violations()).hasSize(refusedFor.size());
      for (int i = 0; i < refusedFor.size(); i++) {
        assertThat(verdict.violations().get(i).message())
            .startsWith("EgressNATPolicy " + refusedFor.get(i) + " ");
      }
    }
  }

  private static EgressNATPolicy policy(String name, String group, String namespace) {
    EgressNATPolicy p = Fixtures.policy(name);
    p.getSpec().setGatewayRef(new GatewayRef(group, namespace));
    return p;
  }
}

package io.egressgw.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.api.v1.GatewayRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceAdmissionTest {
  private final GatewayGroupLookup stored =
      GatewayGroupLookup.of(
          List.of(
              Fixtures.group("kube-system", "gateway1", "192.168.1.100"),
              Fixtures.group("kube-system", "gateway2", "192.168.1.101")));

  @Test
  void aPolicyReferringToAStoredGroupIsAllowed() {
    var policy = Fixtures.policy("egress1");
    policy.getSpec().setGatewayRef(new GatewayRef("gateway1", "kube-system"));

    assertThat(ResourceAdmission.admit(policy, stored)).isEqualTo(Verdict.allowed());
  }

  @Test
  void aPolicyReferringToAMissingGroupIsInvalid() {
    var policy = Fixtures.policy("egress1");
    policy.getSpec().setGatewayRef(new GatewayRef("gateway1", "other-namespace"));

    Verdict verdict = ResourceAdmission.admit(policy, stored);

    assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(verdict.violations())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("spec.gatewayRef");
              assertThat(v.message()).contains("other-namespace/gateway1 does not exist");
            });
  }

  @Test
  void ownRulesComeBeforeTheLookup() {
    var policy = Fixtures.policy("egress1");
    policy.getSpec().setAction("DROP");

    Verdict verdict = ResourceAdmission.admit(policy, stored);

    assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(verdict.violations()).extracting(Violation::field).containsExactly("spec.action");
  }

  @Test
  void aFloatingIpOfAnotherGroupIsAConflictNamingThatGroup() {
    var group = Fixtures.group("kube-system", "gateway3", "192.168.1.102", "192.168.1.101");

    Verdict verdict = ResourceAdmission.admit(group, stored);

    assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.CONFLICT);
    assertThat(verdict.violations())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("spec.floatingIPs[1]");
              assertThat(v.message()).contains("192.168.1.101").contains("kube-system/gateway2");
            });
  }

  @Test
  void theSameIpInAGroupOfTheSameNameInAnotherNamespaceIsAConflict() {
    var group = Fixtures.group("cluster-cluster1", "gateway1", "192.168.1.100");

    assertThat(ResourceAdmission.admit(group, stored).outcome())
        .isEqualTo(Verdict.Outcome.CONFLICT);
  }

  @Test
  void aGroupKeepingItsOwnIpsOnReplaceIsAllowed() {
    var group = Fixtures.group("kube-system", "gateway1", "192.168.1.100", "192.168.1.110");

    assertThat(ResourceAdmission.admit(group, stored).isAllowed()).isTrue();
  }

  @Test
  void anInvalidGroupIsInvalidNotConflicting() {
    var group = Fixtures.group("kube-system", "gateway3", "192.168.1.101", "::1");

    Verdict verdict = ResourceAdmission.admit(group, stored);

    assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(verdict.violations())
        .extracting(Violation::field)
        .containsExactly("spec.floatingIPs[1]");
  }
}

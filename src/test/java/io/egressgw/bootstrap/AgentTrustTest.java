package io.egressgw.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.admission.Pem;
import io.egressgw.admission.ServingCertificates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentTrustTest {
  static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");
  static final String CA_OLD = ca();
  static final String CA_NEW = ca();

  static String ca() {
    return ServingCertificates.issue(List.of("egressgw"), NOW, Duration.ofDays(365))
        .caCertificate();
  }

  @Test
  void aRotationsBundleKeepsTheOldCaWhenAReplicaInitialisesWithTheNewOne() {
    Map<String, String> existing =
        Map.of("ca.crt", CA_OLD + CA_NEW, "controller-signing.pub", "PUB", "extra", "kept");

    assertThat(AgentTrust.merged(existing, "PUB", CA_NEW)).isEmpty();
  }

  @Test
  void aMissingCaIsAppendedAndNothingElseIsDropped() {
    Map<String, String> existing =
        Map.of("ca.crt", CA_OLD, "controller-signing.pub", "PUB", "extra", "kept");

    Map<String, String> merged = AgentTrust.merged(existing, "PUB", CA_NEW).orElseThrow();

    assertThat(Pem.blocks(merged.get("ca.crt"))).containsExactly(CA_OLD, CA_NEW);
    assertThat(merged)
        .containsEntry("extra", "kept")
        .containsEntry("controller-signing.pub", "PUB");
  }

  @Test
  void theSigningSecretsPublishedKeysReplaceAStaleSet() {
    Map<String, String> existing = Map.of("ca.crt", CA_NEW, "controller-signing.pub", "OLD");

    assertThat(AgentTrust.merged(existing, "NEW", CA_NEW).orElseThrow())
        .containsEntry("controller-signing.pub", "NEW")
        .containsEntry("ca.crt", CA_NEW);
  }

  @Test
  void aKeyRotationStepReplacesTheKeysAndLeavesTheBundleAlone() {
    Map<String, String> existing = Map.of("ca.crt", CA_OLD + CA_NEW, "controller-signing.pub", "A");

    assertThat(AgentTrust.merged(existing, "A+B", null).orElseThrow())
        .isEqualTo(Map.of("ca.crt", CA_OLD + CA_NEW, "controller-signing.pub", "A+B"));
  }

  @Test
  void missingKeysAreAdded() {
    assertThat(AgentTrust.merged(Map.of("extra", "kept"), "PUB", CA_NEW).orElseThrow())
        .isEqualTo(Map.of("extra", "kept", "controller-signing.pub", "PUB", "ca.crt", CA_NEW));
    assertThat(AgentTrust.merged(null, "PUB", CA_NEW).orElseThrow())
        .isEqualTo(AgentTrust.fresh("PUB", CA_NEW));
  }
}

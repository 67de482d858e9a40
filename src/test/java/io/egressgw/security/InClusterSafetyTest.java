package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.security.RestAuthSettings.Mode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Inside a cluster the controller never starts with its REST API open. */
class InClusterSafetyTest {
  static final Map<String, String> IN_CLUSTER = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");

  @Test
  void authModeNoneInAClusterIsRefused() {
    assertThat(InClusterSafety.problem(IN_CLUSTER, Mode.NONE, false))
        .get()
        .asString()
        .contains("egressgw.rest.auth.mode=none");
  }

  @Test
  void theEmbeddedEmulatorInAClusterIsRefused() {
    assertThat(InClusterSafety.problem(IN_CLUSTER, Mode.AUTO, true))
        .get()
        .asString()
        .contains("embedded");
  }

  @Test
  void aClusterWithAuthorisationStarts() {
    assertThat(InClusterSafety.problem(IN_CLUSTER, Mode.AUTO, false)).isEmpty();
    assertThat(InClusterSafety.problem(IN_CLUSTER, Mode.KUBERNETES, false)).isEmpty();
  }

  @Test
  void outsideAClusterEverythingStarts() {
    assertThat(InClusterSafety.problem(Map.of(), Mode.NONE, true)).isEmpty();
  }
}

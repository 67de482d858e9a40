package io.egressgw.controller;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The controller's ITs run against the fabric8 mock server that {@code @WithKubernetesTestServer}
 * starts (CRUD mode), so the client must not be redirected to the embedded emulator; and with the
 * controller's runtime on (the test profile turns it off for other packages' tests).
 */
public class ApiEmulatorProfile implements QuarkusTestProfile {
  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of("egressgw.kubernetes", "cluster", "egressgw.controller.enabled", "true");
  }
}

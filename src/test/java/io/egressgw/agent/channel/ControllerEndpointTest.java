package io.egressgw.agent.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which controller URLs an agent may use, inside a cluster and outside. */
class ControllerEndpointTest {
  static final Map<String, String> IN_CLUSTER = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");

  @Test
  void plainHttpInsideAClusterIsRefused() {
    assertThat(ControllerEndpoint.parse("http://egressgw-controller:8080").problemIn(IN_CLUSTER))
        .get()
        .asString()
        .contains("https://");
  }

  @Test
  void httpsInsideAClusterIsAccepted() {
    assertThat(ControllerEndpoint.parse("https://egressgw-controller:443").problemIn(IN_CLUSTER))
        .isEmpty();
  }

  @Test
  void aUnixSocketHasNoNetworkPathAndIsAccepted() {
    assertThat(ControllerEndpoint.parse("unix:/run/egressgw/c.sock").problemIn(IN_CLUSTER))
        .isEmpty();
  }

  @Test
  void plainHttpOutsideAClusterIsAccepted() {
    assertThat(ControllerEndpoint.parse("http://127.0.0.1:8080").problemIn(Map.of())).isEmpty();
  }
}

package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.program.NodeReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which yielded floating IPs the controller asks a node to take back: only those assigned to it (a
 * stale holder announced them), never those it lost in a hand-over.
 */
class ReclaimsTest {
  static NodeReport claimed(String node, Map<String, String> claims) {
    return new NodeReport(
        node,
        "agent-1",
        "192.168.1.12",
        List.of("192.168.1.12/24"),
        3,
        List.of("192.168.1.100", "192.168.1.101"),
        Map.of(),
        0,
        Map.of(),
        null,
        claims,
        350,
        false);
  }

  @Test
  void theAssignedHolderTakesBackWhatAStaleHolderAnnounced() {
    NodeReport report =
        claimed("w2", Map.of("192.168.1.101", "02:00:00:00:00:03", "192.168.1.100", "02:aa"));

    List<String> reclaim =
        ControllerRuntime.reclaims(
            report, Map.of("192.168.1.100", "w2", "192.168.1.101", "w2", "192.168.1.102", "w3"));

    assertThat(reclaim).containsExactly("192.168.1.100", "192.168.1.101");
  }

  @Test
  void anOldHolderThatYieldedInAHandOverIsNotAskedToTakeItBack() {
    NodeReport report = claimed("w2", Map.of("192.168.1.100", "02:00:00:00:00:03"));

    assertThat(ControllerRuntime.reclaims(report, Map.of("192.168.1.100", "w3"))).isEmpty();
    assertThat(ControllerRuntime.reclaims(report, Map.of())).isEmpty();
  }
}

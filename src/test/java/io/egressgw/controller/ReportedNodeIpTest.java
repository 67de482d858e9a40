package io.egressgw.controller;

import static io.egressgw.controller.ClusterFixtures.readyNode;
import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 15: an agent's reported node IP is where other nodes steer a gateway's traffic, so it is
 * checked against the Node's InternalIP (kubelet's, out of the agent's reach) and the Node wins.
 */
class ReportedNodeIpTest {
  static NodeReport report(String nodeIP) {
    return new NodeReport(
        "worker1",
        "agent-1",
        nodeIP,
        List.of("192.168.1.0/24"),
        3,
        List.of("192.168.1.100"),
        Map.of(),
        0,
        Map.of(),
        null);
  }

  static Stream<Arguments> cases() {
    Node worker1 = readyNode("worker1", "192.168.1.11", Map.of());
    Node noAddress = new NodeBuilder().withNewMetadata().withName("worker1").endMetadata().build();
    return Stream.of(
        Arguments.of(
            "the report agrees with the Node", worker1, "192.168.1.11", "192.168.1.11", null),
        Arguments.of(
            "another host of the segment: the Node's address is used, the report's refused",
            worker1,
            "192.168.1.2",
            "192.168.1.11",
            "192.168.1.2"),
        Arguments.of(
            "an address outside the subnet is refused the same way",
            worker1,
            "10.0.0.1",
            "192.168.1.11",
            "10.0.0.1"),
        Arguments.of(
            "no Node in the cache: nothing to check against",
            null,
            "192.168.1.2",
            "192.168.1.2",
            null),
        Arguments.of(
            "a Node without an InternalIP: nothing to check against",
            noAddress,
            "192.168.1.2",
            "192.168.1.2",
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theNodesInternalIpWins(
      String description, Node node, String reported, String used, String refused) {
    ReportedNodeIp.Checked checked = ReportedNodeIp.check(report(reported), node);

    assertThat(checked.report().nodeIP()).isEqualTo(used);
    assertThat(checked.refused()).isEqualTo(refused);
    assertThat(checked.report().heldFloatingIPs()).containsExactly("192.168.1.100");
    assertThat(checked.report().appliedGeneration()).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theEventNamesBothAddressesOnTheNode(
      String description, Node node, String reported, String used, String refused) {
    if (refused == null) {
      return;
    }
    var event = ReportedNodeIp.event("worker1", refused, used, Instant.EPOCH, "1");

    assertThat(event.getInvolvedObject().getKind()).isEqualTo("Node");
    assertThat(event.getReason()).isEqualTo("NodeIPRefused");
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getMessage()).contains(refused).contains(used);
  }
}

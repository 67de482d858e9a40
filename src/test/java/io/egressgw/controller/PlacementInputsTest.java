package io.egressgw.controller;

import static io.egressgw.controller.ClusterFixtures.group;
import static io.egressgw.controller.ClusterFixtures.readyNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.placement.PlacementGroup;
import io.egressgw.placement.PlacementNode;
import io.egressgw.placement.PlacementSnapshot;
import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Cached fabric8 objects into placement's inputs: what placement sees of groups and nodes. */
class PlacementInputsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration WINDOW = Duration.ofMillis(300);

  private static NodeReport report(String node, String... subnets) {
    return new NodeReport(
        node, "agent-1", "192.168.1.11", List.of(subnets), 0, List.of(), Map.of(), 0);
  }

  private static Node controlPlane(String name) {
    return new NodeBuilder(readyNode(name, "192.168.1.9", Map.of()))
        .editMetadata()
        .addToLabels("node-role.kubernetes.io/control-plane", "")
        .endMetadata()
        .build();
  }

  private static Node notReady(String name) {
    Node n = readyNode(name, "192.168.1.8", Map.of());
    n.getStatus().getConditions().get(0).setStatus("False");
    return n;
  }

  @Test
  void groupsAreSortedByKeyAndKeepTheirSpec() {
    NetworkGatewayGroup b = group("ns", "b", Map.of("egress", "yes"), "192.168.1.101");
    NetworkGatewayGroup a = group("kube-system", "default", Map.of(), "192.168.1.100");
    NetworkGatewayGroup empty = new NetworkGatewayGroup();
    empty.setMetadata(group("ns", "empty", Map.of()).getMetadata());

    List<NetworkGatewayGroup> sorted = PlacementInputs.sorted(List.of(b, empty, a));
    PlacementSnapshot s =
        PlacementInputs.snapshot(
            sorted, List.of(), new AgentLiveness(WINDOW), T0, Map.of(), Map.of());

    assertEquals(
        List.of(
            new PlacementGroup("kube-system/default", List.of("192.168.1.100"), Map.of()),
            new PlacementGroup("ns/b", List.of("192.168.1.101"), Map.of("egress", "yes")),
            new PlacementGroup("ns/empty", List.of(), Map.of())),
        s.groups(),
        "a group without spec has no floating IPs and selects every node");
  }

  @Test
  void aNodeIsUpWhenReadyAndItsAgentAliveWithTheSubnetsItReported() {
    AgentLiveness liveness = new AgentLiveness(WINDOW);
    liveness.heartbeat(report("w1", "192.168.1.11/24"), T0);
    liveness.heartbeat(report("w3", "192.168.1.13/24"), T0.minusSeconds(10));
    liveness.heartbeat(report("w2", "192.168.1.12/24"), T0);
    liveness.heartbeat(report("cp", "192.168.1.9/24"), T0);

    PlacementSnapshot s =
        PlacementInputs.snapshot(
            List.of(),
            List.of(
                readyNode("w3", "192.168.1.13", Map.of()),
                notReady("w2"),
                controlPlane("cp"),
                readyNode("w1", "192.168.1.11", Map.of("zone", "a")),
                readyNode("w4", "192.168.1.14", Map.of())),
            liveness,
            T0,
            Map.of(),
            Map.of());

    assertEquals(
        List.of(
            new PlacementNode(
                "cp",
                Map.of("node-role.kubernetes.io/control-plane", ""),
                true,
                List.of("192.168.1.9/24"),
                true),
            new PlacementNode("w1", Map.of("zone", "a"), false, List.of("192.168.1.11/24"), true),
            new PlacementNode("w2", Map.of(), false, List.of("192.168.1.12/24"), false),
            new PlacementNode("w3", Map.of(), false, List.of("192.168.1.13/24"), false),
            new PlacementNode("w4", Map.of(), false, List.of(), false)),
        s.nodes(),
        "sorted by name; w2 not Ready, w3's agent silent, w4 never reported");
  }

  /**
   * The controller stalled for 1 s (SIGSTOP); when it runs again, one agent's queued heartbeat is
   * read before the sweep, the other's not yet. Placement must not see the other as Down: only the
   * sweep judges, and it credits the stall. (Placement read the heartbeats directly and moved the
   * holder's IPs in the lab: chaos controller-stop.)
   */
  @Test
  void aReconcileRightAfterAControllerStallBeforeTheSweepSeesNobodyDown() {
    AgentLiveness liveness = new AgentLiveness(WINDOW);
    liveness.heartbeat(report("w1", "192.168.1.11/24"), T0);
    liveness.heartbeat(report("w3", "192.168.1.13/24"), T0);
    liveness.sweep(List.of("w1", "w3"), T0.plusMillis(10));
    Instant afterStall = T0.plusSeconds(1);
    liveness.heartbeat(report("w1", "192.168.1.11/24"), afterStall);

    PlacementSnapshot s =
        PlacementInputs.snapshot(
            List.of(),
            List.of(
                readyNode("w1", "192.168.1.11", Map.of()),
                readyNode("w3", "192.168.1.13", Map.of())),
            liveness,
            afterStall,
            Map.of(),
            Map.of());

    assertEquals(
        List.of(true, true), s.nodes().stream().map(PlacementNode::up).toList(), "w3 not judged");

    // the sweep, seeing the stall, credits it: w3 gets a window; silent beyond it, it is Down
    liveness.stalledUntil(afterStall, Duration.ofSeconds(1));
    liveness.sweep(List.of("w1", "w3"), afterStall);
    liveness.heartbeat(report("w1", "192.168.1.11/24"), afterStall.plusMillis(200));
    liveness.sweep(List.of("w1", "w3"), afterStall.plus(WINDOW).plusMillis(10));
    PlacementSnapshot later =
        PlacementInputs.snapshot(
            List.of(),
            List.of(
                readyNode("w1", "192.168.1.11", Map.of()),
                readyNode("w3", "192.168.1.13", Map.of())),
            liveness,
            afterStall.plus(WINDOW).plusMillis(10),
            Map.of(),
            Map.of());
    assertEquals(List.of(true, false), later.nodes().stream().map(PlacementNode::up).toList());
  }

  /**
   * Judged Down by a sweep, then heard again (a late heartbeat) before the next sweep: a reconcile
   * in between does not move its IPs off it, as neither does one before the sweep judged it.
   */
  @Test
  void aNodeJudgedDownWhoseLateHeartbeatArrivedSinceIsNotMovedOffBeforeTheNextSweep() {
    AgentLiveness liveness = new AgentLiveness(WINDOW);
    liveness.heartbeat(report("w1", "192.168.1.11/24"), T0);
    liveness.heartbeat(report("w3", "192.168.1.13/24"), T0);
    liveness.sweep(List.of("w1", "w3"), T0.plusMillis(10));
    liveness.heartbeat(report("w1", "192.168.1.11/24"), T0.plusMillis(200));
    liveness.sweep(List.of("w1", "w3"), T0.plusMillis(310));
    assertEquals(Map.of("w1", true, "w3", false), liveness.verdicts());
    liveness.heartbeat(report("w3", "192.168.1.13/24"), T0.plusMillis(320));

    PlacementSnapshot s =
        PlacementInputs.snapshot(
            List.of(),
            List.of(
                readyNode("w1", "192.168.1.11", Map.of()),
                readyNode("w3", "192.168.1.13", Map.of())),
            liveness,
            T0.plusMillis(330),
            Map.of(),
            Map.of());

    assertEquals(List.of(true, true), s.nodes().stream().map(PlacementNode::up).toList());
  }

  @Test
  void aNodeWhoseAgentReportsItsUplinkDownHandsItsIpsOverWithoutWaiting() {
    AgentLiveness liveness = new AgentLiveness(WINDOW);
    NodeReport up = report("w1", "192.168.1.11/24");
    liveness.heartbeat(
        new NodeReport(
            "w1",
            "agent-1",
            "192.168.1.11",
            List.of("192.168.1.11/24"),
            0,
            List.of(),
            Map.of(),
            0,
            Map.of(),
            null,
            Map.of(),
            0,
            false,
            null,
            true),
        T0);
    Node cordoned = readyNode("w1", "192.168.1.11", Map.of());
    cordoned.setSpec(
        new io.fabric8.kubernetes.api.model.NodeSpecBuilder().withUnschedulable(true).build());

    PlacementSnapshot s =
        PlacementInputs.snapshot(List.of(), List.of(cordoned), liveness, T0, Map.of(), Map.of());

    assertEquals(
        io.egressgw.placement.NodeDrain.UPLINK_DOWN,
        s.nodes().get(0).drain(),
        "an uplink that is down comes before the cordon: the node cannot serve, no waiting");
    assertEquals(true, s.nodes().get(0).up(), "still heartbeating: Up, not failed");
    assertEquals(false, up.uplinkDown(), "older agents and tests report the uplink up");
  }

  @Test
  void theCurrentAssignmentKeepsOnlyIpsSomeGroupStillLists() {
    PlacementSnapshot s =
        PlacementInputs.snapshot(
            List.of(group("ns", "g", Map.of(), "192.168.1.100")),
            List.of(),
            new AgentLiveness(WINDOW),
            T0,
            Map.of("192.168.1.100", "w1", "192.168.1.200", "w2"),
            Map.of("192.168.1.100", "w2", "192.168.1.200", "w1"));

    assertEquals(Map.of("192.168.1.100", "w1"), s.currentAssignment());
    assertEquals(Map.of("192.168.1.100", "w2"), s.currentStandbys());
  }

  @Test
  void nodesMatchingTheSelectorWithoutAReportAreWaiting() {
    AgentLiveness liveness = new AgentLiveness(WINDOW);
    liveness.heartbeat(report("reported", "192.168.1.11/24"), T0);
    NetworkGatewayGroup g = group("ns", "g", Map.of("egress", "yes"), "192.168.1.100");
    PlacementSnapshot s =
        PlacementInputs.snapshot(
            List.of(g),
            List.of(
                readyNode("reported", "192.168.1.11", Map.of("egress", "yes")),
                readyNode("silent", "192.168.1.12", Map.of("egress", "yes")),
                readyNode("other", "192.168.1.13", Map.of())),
            liveness,
            T0,
            Map.of(),
            Map.of());

    assertEquals(List.of("silent"), PlacementInputs.waitingForReport(g, s));
  }

  record TheftRow(String desc, String ip, String why) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Stream<TheftRow> stolenAddresses() {
    return Stream.of(
        new TheftRow("worker2's own address", "192.168.1.2", "the address of Node w2"),
        new TheftRow("the subnet's network address", "192.168.1.0", "network address"),
        new TheftRow("the subnet's broadcast address", "192.168.1.255", "broadcast address"),
        new TheftRow("link-local (cloud metadata)", "169.254.169.254", "link-local"),
        new TheftRow("loopback", "127.0.0.1", "loopback"));
  }

  /**
   * A group stored with an address FloatingIpTheft refuses (created before the webhook, or with it
   * off) never reaches placement: the IP is not placed, not even where it was assigned before, and
   * the reason is kept for the group's status.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("stolenAddresses")
  void aFloatingIpThatWouldStealAnAddressIsNeverPlaced(TheftRow row) {
    AgentLiveness liveness = new AgentLiveness(WINDOW);
    liveness.heartbeat(report("w2", "192.168.1.2/24"), T0);
    List<NetworkGatewayGroup> groups =
        List.of(group("default", "thief", Map.of(), "192.168.1.120", row.ip()));
    List<Node> nodes = List.of(readyNode("w2", "192.168.1.2", Map.of()));

    Map<String, String> refused = PlacementInputs.refusedFloatingIPs(groups, nodes, liveness);
    PlacementSnapshot s =
        PlacementInputs.snapshot(
            groups, nodes, liveness, T0, Map.of(row.ip(), "w2", "192.168.1.120", "w2"), refused);

    assertEquals(List.of("192.168.1.120"), s.groups().get(0).floatingIPs());
    assertEquals(Map.of("192.168.1.120", "w2"), s.currentAssignment());
    assertEquals(List.of(row.ip()), List.copyOf(refused.keySet()));
    assertTrue(refused.get(row.ip()).contains(row.why()), refused.get(row.ip()));
  }

  @Test
  void theShortSnapshotRefusesTheSameAddresses() {
    List<NetworkGatewayGroup> groups =
        List.of(group("default", "thief", Map.of(), "192.168.1.120", "192.168.1.2"));
    PlacementSnapshot s =
        PlacementInputs.snapshot(
            groups,
            List.of(readyNode("w2", "192.168.1.2", Map.of())),
            new AgentLiveness(WINDOW),
            T0,
            Map.of(),
            Map.of());

    assertEquals(List.of("192.168.1.120"), s.groups().get(0).floatingIPs());
  }

  @Test
  void generationsByKey() {
    NetworkGatewayGroup g = group("ns", "g", Map.of());
    g.getMetadata().setGeneration(7L);

    assertEquals(Map.of("ns/g", 7L), PlacementInputs.generations(List.of(g)));
  }
}

package io.egressgw.placement;

import static io.egressgw.placement.PlacementFixtures.controlPlane;
import static io.egressgw.placement.PlacementFixtures.down;
import static io.egressgw.placement.PlacementFixtures.group;
import static io.egressgw.placement.PlacementFixtures.labeled;
import static io.egressgw.placement.PlacementFixtures.map;
import static io.egressgw.placement.PlacementFixtures.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Event-driven placement: what a node failure, return, removal or a new group moves. */
class IncrementalPlacementTest {

  private final PlacementGroup reference =
      group("kube-system/default", "192.168.1.100", "192.168.1.101", "192.168.1.102");

  @Test
  void failedNodeMovesOnlyItsIpsAndReturningNodeGetsNothingBack() {
    IncrementalPlacement p =
        IncrementalPlacement.of(
            new PlacementSnapshot(
                List.of(reference),
                List.of(worker("worker1", "192.168.1.1/24"), worker("worker2", "192.168.1.2/24")),
                Map.of()));

    List<FloatingIpMove> failed = p.nodeChanged(down(worker("worker1", "192.168.1.1/24")));

    assertEquals(
        List.of("192.168.1.100:worker1->worker2", "192.168.1.102:worker1->worker2"), text(failed));
    assertTrue(failed.get(0).reason().startsWith("node worker1 is down; assigned to worker2"));
    assertEquals(
        map("192.168.1.100", "worker2", "192.168.1.101", "worker2", "192.168.1.102", "worker2"),
        p.result().assignment());

    List<FloatingIpMove> back = p.nodeChanged(worker("worker1", "192.168.1.1/24"));

    assertEquals(List.of(), back);
    assertEquals("worker2", p.holderOf("192.168.1.100"));
  }

  @Test
  void removedNodeAndNewNode() {
    IncrementalPlacement p =
        IncrementalPlacement.of(
            new PlacementSnapshot(
                List.of(reference), List.of(worker("worker1", "192.168.1.1/24")), Map.of()));

    List<FloatingIpMove> removed = p.nodeRemoved("worker1");

    assertEquals(3, removed.size());
    assertTrue(removed.get(0).reason().startsWith("node worker1 no longer exists; unassigned: no nodes"));
    assertEquals(3, p.result().unassigned().size());

    List<FloatingIpMove> added = p.nodeChanged(worker("worker3", "192.168.1.3/24"));

    assertEquals(
        List.of(
            "192.168.1.100:-->worker3", "192.168.1.101:-->worker3", "192.168.1.102:-->worker3"),
        text(added));
  }

  @Test
  void nodeGainingTheSelectorLabelPicksUpUnassignedIps() {
    PlacementGroup g = group("ns/g", map("egress", "yes"), "192.168.1.100");
    IncrementalPlacement p =
        IncrementalPlacement.of(
            new PlacementSnapshot(List.of(g), List.of(worker("w", "192.168.1.1/24")), Map.of()));
    assertEquals(List.of("192.168.1.100"), List.copyOf(p.result().unassigned().keySet()));

    List<FloatingIpMove> moves = p.nodeChanged(labeled(worker("w", "192.168.1.1/24"), "egress", "yes"));

    assertEquals(List.of("192.168.1.100:-->w"), text(moves));
  }

  @Test
  void groupsChangedReleasesRemovedIpsAndPlacesNewOnes() {
    // .102 leaves worker1, so both workers hold one IP when .103 is placed: the name breaks the tie.
    IncrementalPlacement p =
        IncrementalPlacement.of(
            new PlacementSnapshot(
                List.of(reference),
                List.of(worker("worker1", "192.168.1.1/24"), worker("worker2", "192.168.1.2/24")),
                Map.of()));

    List<FloatingIpMove> moves =
        p.groupsChanged(
            List.of(group("kube-system/default", "192.168.1.100", "192.168.1.101", "192.168.1.103")));

    assertEquals(
        List.of("192.168.1.103:-->worker1", "192.168.1.102:worker1->-"), text(moves));
  }

  @Test
  void nodeStatusListsSelectedNodesInTheSubnet() {
    PlacementSnapshot s =
        new PlacementSnapshot(
            List.of(group("ns/g", map("egress", "yes"), "192.168.1.100")),
            List.of(
                labeled(worker("a", "192.168.1.1/24"), "egress", "yes"),
                labeled(down(controlPlane("b", "192.168.1.2/24")), "egress", "yes"),
                labeled(worker("c", "10.0.0.1/24"), "egress", "yes"),
                worker("d", "192.168.1.4/24"),
                labeled(worker("e"), "egress", "yes")),
            Map.of());

    assertEquals(Map.of("a", "Up", "b", "Down"), FloatingIpPlacement.nodeStatus(s, "ns/g"));
    assertEquals(Map.of(), FloatingIpPlacement.nodeStatus(s, "ns/unknown"));
    assertEquals(Map.of("ns/g", Map.of("a", "Up", "b", "Down")), FloatingIpPlacement.nodeStatus(s));
    assertEquals(
        Map.of("a", "Up", "b", "Down"), IncrementalPlacement.of(s).nodeStatus("ns/g"),
        "the incremental index answers the same");
  }

  private static List<String> text(List<FloatingIpMove> moves) {
    return moves.stream()
        .map(
            m ->
                m.ip()
                    + ":"
                    + (m.fromNode() == null ? "-" : m.fromNode())
                    + "->"
                    + (m.toNode() == null ? "-" : m.toNode()))
        .toList();
  }
}

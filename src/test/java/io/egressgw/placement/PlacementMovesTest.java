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

/**
 * What a node failure, return, removal or a changed group moves: the full plan against the previous
 * assignment, which is what the controller runs on every such event.
 */
class PlacementMovesTest {

  private final PlacementGroup reference =
      group("kube-system/default", "192.168.1.100", "192.168.1.101", "192.168.1.102");

  @Test
  void failedNodeMovesOnlyItsIpsAndReturningNodeGetsNothingBack() {
    PlacementResult first =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(
                List.of(reference),
                List.of(worker("worker1", "192.168.1.1/24"), worker("worker2", "192.168.1.2/24")),
                Map.of()));

    PlacementResult failed =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(
                List.of(reference),
                List.of(
                    down(worker("worker1", "192.168.1.1/24")), worker("worker2", "192.168.1.2/24")),
                first.assignment()));

    assertEquals(
        List.of("192.168.1.100:worker1->worker2", "192.168.1.102:worker1->worker2"),
        text(failed.moves()));
    assertTrue(
        failed.moves().get(0).reason().startsWith("node worker1 is down; assigned to worker2"));
    assertEquals(
        map("192.168.1.100", "worker2", "192.168.1.101", "worker2", "192.168.1.102", "worker2"),
        failed.assignment());

    PlacementResult back =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(
                List.of(reference),
                List.of(worker("worker1", "192.168.1.1/24"), worker("worker2", "192.168.1.2/24")),
                failed.assignment()));

    assertEquals(List.of(), back.moves());
    assertEquals("worker2", back.assignment().get("192.168.1.100"));
  }

  @Test
  void removedNodeAndNewNode() {
    PlacementResult first =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(
                List.of(reference), List.of(worker("worker1", "192.168.1.1/24")), Map.of()));

    PlacementResult removed =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(List.of(reference), List.of(), first.assignment()));

    assertEquals(3, removed.moves().size());
    assertTrue(
        removed
            .moves()
            .get(0)
            .reason()
            .startsWith("node worker1 no longer exists; unassigned: no nodes"));
    assertEquals(3, removed.unassigned().size());

    PlacementResult added =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(
                List.of(reference),
                List.of(worker("worker3", "192.168.1.3/24")),
                removed.assignment()));

    assertEquals(
        List.of("192.168.1.100:-->worker3", "192.168.1.101:-->worker3", "192.168.1.102:-->worker3"),
        text(added.moves()));
  }

  @Test
  void nodeGainingTheSelectorLabelPicksUpUnassignedIps() {
    PlacementGroup g = group("ns/g", map("egress", "yes"), "192.168.1.100");
    PlacementResult first =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(List.of(g), List.of(worker("w", "192.168.1.1/24")), Map.of()));
    assertEquals(List.of("192.168.1.100"), List.copyOf(first.unassigned().keySet()));

    PlacementResult labeled =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(
                List.of(g),
                List.of(labeled(worker("w", "192.168.1.1/24"), "egress", "yes")),
                first.assignment()));

    assertEquals(List.of("192.168.1.100:-->w"), text(labeled.moves()));
  }

  @Test
  void changedGroupReleasesRemovedIpsAndPlacesNewOnes() {
    // .102 leaves worker1, so both workers hold one IP when .103 is placed: the name breaks
    // the tie.
    List<PlacementNode> nodes =
        List.of(worker("worker1", "192.168.1.1/24"), worker("worker2", "192.168.1.2/24"));
    PlacementResult first =
        FloatingIpPlacement.plan(new PlacementSnapshot(List.of(reference), nodes, Map.of()));

    PlacementResult changed =
        FloatingIpPlacement.plan(
            new PlacementSnapshot(
                List.of(
                    group(
                        "kube-system/default", "192.168.1.100", "192.168.1.101", "192.168.1.103")),
                nodes,
                first.assignment()));

    assertEquals(
        List.of("192.168.1.103:-->worker1", "192.168.1.102:worker1->-"), text(changed.moves()));
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
        Map.of("a", "Up", "b", "Down"),
        PlacementIndex.of(s).nodeStatus("ns/g"),
        "the index that placed the IPs answers the same");
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

package io.egressgw.placement;

import static io.egressgw.placement.PlacementFixtures.controlPlane;
import static io.egressgw.placement.PlacementFixtures.down;
import static io.egressgw.placement.PlacementFixtures.group;
import static io.egressgw.placement.PlacementFixtures.labeled;
import static io.egressgw.placement.PlacementFixtures.map;
import static io.egressgw.placement.PlacementFixtures.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven cases for standby holders and drained nodes (issue 13): each floating IP gets a
 * standby under the primary's rules on another node, takes it over when the primary fails or
 * drains, and nothing moves back.
 */
class StandbyPlacementTest {

  /**
   * @param desc what the row shows
   * @param in the snapshot
   * @param assigned expected assignment (exactly)
   * @param standbys expected standbys (exactly)
   * @param moves expected moves as "ip:from->to" (null printed as -), in order
   */
  record Row(
      String desc,
      PlacementSnapshot in,
      Map<String, String> assigned,
      Map<String, String> standbys,
      List<String> moves) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static final String W1 = "192.168.1.1/24";
  static final String W2 = "192.168.1.2/24";
  static final String W3 = "192.168.1.3/24";
  static final String IP = "192.168.1.100";
  static final String IP2 = "192.168.1.101";

  static PlacementNode drained(PlacementNode n, NodeDrain drain) {
    return new PlacementNode(n.name(), n.labels(), n.controlPlane(), n.subnets(), n.up(), drain);
  }

  static PlacementNode keepOnly(PlacementNode n) {
    return new PlacementNode(
        n.name(), n.labels(), n.controlPlane(), n.subnets(), n.up(), n.drain(), true);
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row(
            "a keep-only node (held by the mass-failure guard) is given no new IP",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(keepOnly(worker("w1", W1)), worker("w2", W2), worker("w3", W3)),
                Map.of()),
            map(IP, "w2"),
            map(IP, "w3"),
            List.of(IP + ":-->w2")),
        new Row(
            "a keep-only node keeps the IP it holds, and its standby stays",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(keepOnly(worker("w1", W1)), worker("w2", W2), worker("w3", W3)),
                map(IP, "w1"),
                map(IP, "w2")),
            map(IP, "w1"),
            map(IP, "w2"),
            List.of()),
        new Row(
            "a keep-only standby is replaced",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(worker("w1", W1), keepOnly(worker("w2", W2)), worker("w3", W3)),
                map(IP, "w1"),
                map(IP, "w2")),
            map(IP, "w1"),
            map(IP, "w3"),
            List.of()),
        new Row(
            "a new IP gets a standby on another node",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)), List.of(worker("w1", W1), worker("w2", W2)), Map.of()),
            map(IP, "w1"),
            map(IP, "w2"),
            List.of(IP + ":-->w1")),
        new Row(
            "no standby when the holder is the only eligible node",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(worker("w1", W1), worker("w2", "10.0.0.2/24")),
                Map.of()),
            map(IP, "w1"),
            map(),
            List.of(IP + ":-->w1")),
        new Row(
            "the standby follows the group's nodeSelector",
            new PlacementSnapshot(
                List.of(group("ns/g", map("egress", "yes"), IP)),
                List.of(
                    labeled(worker("w1", W1), "egress", "yes"),
                    worker("w2", W2),
                    labeled(worker("w3", W3), "egress", "yes")),
                Map.of()),
            map(IP, "w1"),
            map(IP, "w3"),
            List.of(IP + ":-->w1")),
        new Row(
            "the standby must be up",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(worker("w1", W1), down(worker("w2", W2)), worker("w3", W3)),
                Map.of()),
            map(IP, "w1"),
            map(IP, "w3"),
            List.of(IP + ":-->w1")),
        new Row(
            "a worker stands by before a control-plane node whose name sorts first",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(controlPlane("a-cp", W1), worker("w1", W2), worker("w2", W3)),
                Map.of()),
            map(IP, "w1"),
            map(IP, "w2"),
            List.of(IP + ":-->w1")),
        new Row(
            "a control-plane node stands by when it is the only other eligible node",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(controlPlane("cp", W1), worker("w", W2)),
                Map.of()),
            map(IP, "w"),
            map(IP, "cp"),
            List.of(IP + ":-->w")),
        new Row(
            "spread: a standby goes to the node with fewest IPs held plus stood by for, then name",
            new PlacementSnapshot(
                List.of(group("ns/g", IP, IP2)),
                List.of(worker("w1", W1), worker("w2", W2), worker("w3", W3)),
                Map.of()),
            map(IP, "w1", IP2, "w2"),
            map(IP, "w3", IP2, "w1"),
            List.of(IP + ":-->w1", IP2 + ":-->w2")),
        new Row(
            "spread: a node already standing by comes after one that holds and stands by for none",
            new PlacementSnapshot(
                List.of(group("ns/a", IP), group("ns/b", IP2)),
                List.of(
                    worker("w1", W1),
                    worker("w2", W2),
                    worker("w3", W3),
                    worker("w4", "192.168.1.4/24")),
                Map.of(IP, "w1", IP2, "w2"),
                Map.of(IP, "w3")),
            map(IP, "w1", IP2, "w2"),
            map(IP, "w3", IP2, "w4"),
            List.of()),
        new Row(
            "stability: the standby stays even when a node with less load appears",
            new PlacementSnapshot(
                List.of(group("ns/g", IP, IP2)),
                List.of(
                    worker("w1", W1),
                    worker("w2", W2),
                    worker("w3", W3),
                    worker("w4", "192.168.1.4/24")),
                Map.of(IP, "w1", IP2, "w2"),
                Map.of(IP, "w2", IP2, "w1")),
            map(IP, "w1", IP2, "w2"),
            map(IP, "w2", IP2, "w1"),
            List.of()),
        new Row(
            "a primary that goes Down is replaced by its standby, which gets a new standby",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(down(worker("w1", W1)), worker("w2", W2), worker("w3", W3)),
                Map.of(IP, "w1"),
                Map.of(IP, "w3")),
            map(IP, "w3"),
            map(IP, "w2"),
            List.of(IP + ":w1->w3")),
        new Row(
            "the standby wins a failover over a node holding fewer IPs",
            new PlacementSnapshot(
                List.of(group("ns/a", IP), group("ns/b", IP2)),
                List.of(down(worker("w1", W1)), worker("w2", W2), worker("w3", W3)),
                Map.of(IP, "w1", IP2, "w2"),
                Map.of(IP, "w2", IP2, "w3")),
            map(IP, "w2", IP2, "w2"),
            map(IP, "w3", IP2, "w3"),
            List.of(IP + ":w1->w2")),
        new Row(
            "a standby that goes Down is replaced; the primary stays",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(worker("w1", W1), down(worker("w2", W2)), worker("w3", W3)),
                Map.of(IP, "w1"),
                Map.of(IP, "w2")),
            map(IP, "w1"),
            map(IP, "w3"),
            List.of()),
        new Row(
            "a standby naming a node that no longer exists is replaced",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(worker("w1", W1), worker("w3", W3)),
                Map.of(IP, "w1"),
                Map.of(IP, "gone")),
            map(IP, "w1"),
            map(IP, "w3"),
            List.of()),
        new Row(
            "a cordoned primary hands its IP to its standby",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(
                    drained(worker("w1", W1), NodeDrain.CORDONED),
                    worker("w2", W2),
                    worker("w3", W3)),
                Map.of(IP, "w1"),
                Map.of(IP, "w3")),
            map(IP, "w3"),
            map(IP, "w2"),
            List.of(IP + ":w1->w3")),
        new Row(
            "a primary labelled egressgw.io/drain hands its IP to its standby",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(
                    drained(worker("w1", W1), NodeDrain.DRAIN_LABEL),
                    worker("w2", W2),
                    worker("w3", W3)),
                Map.of(IP, "w1"),
                Map.of(IP, "w2")),
            map(IP, "w2"),
            map(IP, "w3"),
            List.of(IP + ":w1->w2")),
        new Row(
            "a primary whose agent is stopping hands its IP to its standby",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(drained(worker("w1", W1), NodeDrain.AGENT_STOPPING), worker("w2", W2)),
                Map.of(IP, "w1"),
                Map.of(IP, "w2")),
            map(IP, "w2"),
            map(),
            List.of(IP + ":w1->w2")),
        new Row(
            "a cordoned holder keeps its IP when no other node can take it",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(drained(worker("w1", W1), NodeDrain.CORDONED), down(worker("w2", W2))),
                Map.of(IP, "w1"),
                Map.of(IP, "w2")),
            map(IP, "w1"),
            map(),
            List.of()),
        new Row(
            "a cordoned standby is replaced; the primary stays",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(
                    worker("w1", W1),
                    drained(worker("w2", W2), NodeDrain.CORDONED),
                    worker("w3", W3)),
                Map.of(IP, "w1"),
                Map.of(IP, "w2")),
            map(IP, "w1"),
            map(IP, "w3"),
            List.of()),
        new Row(
            "a cordoned node gets no new IP and stands by for none",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(drained(worker("w1", W1), NodeDrain.CORDONED), worker("w2", W2)),
                Map.of()),
            map(IP, "w2"),
            map(),
            List.of(IP + ":-->w2")),
        new Row(
            "uncordoned: nothing moves back; the returning node becomes a standby only where one is"
                + " missing",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(worker("w1", W1), worker("w2", W2)),
                Map.of(IP, "w2"),
                Map.of()),
            map(IP, "w2"),
            map(IP, "w1"),
            List.of()),
        new Row(
            "uncordoned: an existing standby keeps its place",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(worker("w1", W1), worker("w2", W2), worker("w3", W3)),
                Map.of(IP, "w3"),
                Map.of(IP, "w2")),
            map(IP, "w3"),
            map(IP, "w2"),
            List.of()),
        new Row(
            "a standby that became the holder's node by a move elsewhere is replaced",
            new PlacementSnapshot(
                List.of(group("ns/g", IP)),
                List.of(down(worker("w1", W1)), worker("w2", W2), worker("w3", W3)),
                Map.of(IP, "w2"),
                Map.of(IP, "w2")),
            map(IP, "w2"),
            map(IP, "w3"),
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void plan(Row row) {
    PlacementResult result = FloatingIpPlacement.plan(row.in());

    assertEquals(row.assigned(), result.assignment(), row.desc());
    assertEquals(row.standbys(), result.standbys(), row.desc());
    result
        .standbys()
        .forEach(
            (ip, node) ->
                assertTrue(
                    !node.equals(result.assignment().get(ip)), row.desc() + ": standby is holder"));
    List<String> moves =
        result.moves().stream()
            .map(
                m ->
                    m.ip()
                        + ":"
                        + (m.fromNode() == null ? "-" : m.fromNode())
                        + "->"
                        + (m.toNode() == null ? "-" : m.toNode()))
            .toList();
    assertEquals(row.moves(), moves, row.desc());
  }

  @Test
  void aCordonMoveNamesItsCauseAndTheStandby() {
    PlacementSnapshot s =
        new PlacementSnapshot(
            List.of(group("ns/g", IP)),
            List.of(drained(worker("w1", W1), NodeDrain.CORDONED), worker("w2", W2)),
            Map.of(IP, "w1"),
            Map.of(IP, "w2"));

    FloatingIpMove move = FloatingIpPlacement.moves(s).get(0);

    assertEquals("Cordoned", move.cause());
    assertEquals(
        "node w1 is cordoned (spec.unschedulable); assigned to w2, its standby", move.reason());
  }

  @Test
  void aDrainLabelMoveIsDrained() {
    PlacementSnapshot s =
        new PlacementSnapshot(
            List.of(group("ns/g", IP)),
            List.of(drained(worker("w1", W1), NodeDrain.DRAIN_LABEL), worker("w2", W2)),
            Map.of(IP, "w1"));

    FloatingIpMove move = FloatingIpPlacement.moves(s).get(0);

    assertEquals("Drained", move.cause());
    assertTrue(move.reason().startsWith("node w1 is labelled egressgw.io/drain"), move.reason());
  }

  @Test
  void aFailoverIsNotAPlannedMove() {
    PlacementSnapshot s =
        new PlacementSnapshot(
            List.of(group("ns/g", IP)),
            List.of(down(drained(worker("w1", W1), NodeDrain.CORDONED)), worker("w2", W2)),
            Map.of(IP, "w1"),
            Map.of(IP, "w2"));

    FloatingIpMove move = FloatingIpPlacement.moves(s).get(0);

    assertNull(move.cause(), "a Down node fails, whatever else it is");
    assertEquals("node w1 is down; assigned to w2, its standby", move.reason());
  }

  @Test
  void aNewIpWithEveryCandidateDownOrDrainingIsUnassignedAndSaysWhy() {
    PlacementSnapshot s =
        new PlacementSnapshot(
            List.of(group("ns/g", IP)),
            List.of(drained(worker("w1", W1), NodeDrain.CORDONED), down(worker("w2", W2))),
            Map.of());

    PlacementResult result = FloatingIpPlacement.plan(s);

    assertEquals(Map.of(), result.assignment());
    assertTrue(
        result.unassigned().get(IP).contains("1 down, 1 draining"), result.unassigned().toString());
  }

  /**
   * A switch failure: every node reports its uplink down at once. No node can take an IP, so
   * nothing moves (a move would only hand the IP to another node that cannot answer for it either):
   * the holder keeps it, and it is back in service the moment the switch is.
   */
  @Test
  void everyUplinkDownAtOnceMovesNothing() {
    PlacementSnapshot s =
        new PlacementSnapshot(
            List.of(group("ns/g", IP)),
            List.of(
                drained(worker("w1", W1), NodeDrain.UPLINK_DOWN),
                drained(worker("w2", W2), NodeDrain.UPLINK_DOWN),
                drained(worker("w3", W3), NodeDrain.UPLINK_DOWN)),
            Map.of(IP, "w1"),
            Map.of(IP, "w2"));

    PlacementResult result = FloatingIpPlacement.plan(s);

    assertEquals(map(IP, "w1"), result.assignment());
    assertEquals(List.of(), result.moves());
  }
}

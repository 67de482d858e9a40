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
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven placement cases: one row per rule of the reference and of issue #3. */
class PlacementTest {

  /**
   * @param desc what the row shows
   * @param in the snapshot
   * @param assigned expected assignment (exactly)
   * @param unassigned expected unassigned IPs, each with a fragment its reason must contain
   * @param moves expected moves as "ip:from->to" (null printed as -), in order
   */
  record Row(
      String desc,
      PlacementSnapshot in,
      Map<String, String> assigned,
      Map<String, String> unassigned,
      List<String> moves) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static final String W1 = "192.168.1.1/24";
  static final String W2 = "192.168.1.2/24";
  static final String W3 = "192.168.1.3/24";

  static Stream<Row> rows() {
    return Stream.of(
        new Row(
            "reference: two workers, three IPs, round robin by name",
            new PlacementSnapshot(
                List.of(
                    group(
                        "kube-system/default", "192.168.1.100", "192.168.1.101", "192.168.1.102")),
                List.of(worker("worker2", W2), worker("worker1", W1)),
                Map.of()),
            map("192.168.1.100", "worker1", "192.168.1.101", "worker2", "192.168.1.102", "worker1"),
            Map.of(),
            List.of(
                "192.168.1.100:-->worker1",
                "192.168.1.101:-->worker2",
                "192.168.1.102:-->worker1")),
        new Row(
            "a worker is preferred over a control-plane node whose name sorts first",
            new PlacementSnapshot(
                List.of(group("ns/g", "192.168.1.100")),
                List.of(controlPlane("a-cp", W1), worker("z-worker", W2)),
                Map.of()),
            map("192.168.1.100", "z-worker"),
            Map.of(),
            List.of("192.168.1.100:-->z-worker")),
        new Row(
            "a control-plane node is used when no worker is eligible",
            new PlacementSnapshot(
                List.of(group("ns/g", "192.168.1.100")),
                List.of(controlPlane("cp", W1), worker("w", "10.0.0.1/24")),
                Map.of()),
            map("192.168.1.100", "cp"),
            Map.of(),
            List.of("192.168.1.100:-->cp")),
        new Row(
            "workers even when every worker already holds IPs and the control plane holds none",
            new PlacementSnapshot(
                List.of(group("ns/g", "192.168.1.100", "192.168.1.101", "192.168.1.102")),
                List.of(controlPlane("cp", W1), worker("w", W2)),
                Map.of()),
            map("192.168.1.100", "w", "192.168.1.101", "w", "192.168.1.102", "w"),
            Map.of(),
            List.of("192.168.1.100:-->w", "192.168.1.101:-->w", "192.168.1.102:-->w")),
        new Row(
            "a node holding an IP of another group comes after a node holding none",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100"), group("ns/b", "192.168.1.101")),
                List.of(worker("w1", W1), worker("w2", W2)),
                Map.of("192.168.1.100", "w1")),
            map("192.168.1.100", "w1", "192.168.1.101", "w2"),
            Map.of(),
            List.of("192.168.1.101:-->w2")),
        new Row(
            "among nodes that hold IPs, the one holding fewest wins",
            new PlacementSnapshot(
                List.of(
                    group(
                        "ns/a",
                        "192.168.1.100",
                        "192.168.1.101",
                        "192.168.1.102",
                        "192.168.1.103")),
                List.of(worker("w1", W1), worker("w2", W2)),
                Map.of("192.168.1.100", "w1", "192.168.1.101", "w1", "192.168.1.102", "w2")),
            map(
                "192.168.1.100",
                "w1",
                "192.168.1.101",
                "w1",
                "192.168.1.102",
                "w2",
                "192.168.1.103",
                "w2"),
            Map.of(),
            List.of("192.168.1.103:-->w2")),
        new Row(
            "stability: an IP stays on an eligible node even if a node with none exists",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100", "192.168.1.101")),
                List.of(worker("w1", W1), worker("w2", W2), worker("w3", W3)),
                Map.of("192.168.1.100", "w3", "192.168.1.101", "w3")),
            map("192.168.1.100", "w3", "192.168.1.101", "w3"),
            Map.of(),
            List.of()),
        new Row(
            "a down node's IP moves to the next preferred node",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100", "192.168.1.101")),
                List.of(down(worker("w1", W1)), worker("w2", W2), worker("w3", W3)),
                Map.of("192.168.1.100", "w1", "192.168.1.101", "w2")),
            map("192.168.1.100", "w3", "192.168.1.101", "w2"),
            Map.of(),
            List.of("192.168.1.100:w1->w3")),
        new Row(
            "a failed node that returns gets nothing back",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100")),
                List.of(worker("w1", W1), worker("w2", W2)),
                Map.of("192.168.1.100", "w2")),
            map("192.168.1.100", "w2"),
            Map.of(),
            List.of()),
        new Row(
            "nodeSelector: every label must match",
            new PlacementSnapshot(
                List.of(group("ns/a", map("node-type", "egressNat", "zone", "a"), "192.168.1.100")),
                List.of(
                    labeled(worker("w1", W1), "node-type", "egressNat"),
                    labeled(worker("w2", W2), "node-type", "egressNat", "zone", "a", "x", "y")),
                Map.of()),
            map("192.168.1.100", "w2"),
            Map.of(),
            List.of("192.168.1.100:-->w2")),
        new Row(
            "an IP leaves a node that no longer matches the nodeSelector",
            new PlacementSnapshot(
                List.of(group("ns/a", map("egress", "yes"), "192.168.1.100")),
                List.of(worker("w1", W1), labeled(worker("w2", W2), "egress", "yes")),
                Map.of("192.168.1.100", "w1")),
            map("192.168.1.100", "w2"),
            Map.of(),
            List.of("192.168.1.100:w1->w2")),
        new Row(
            "a node in another subnet is not eligible",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100")),
                List.of(worker("a", "10.0.0.1/24"), worker("b", W2)),
                Map.of()),
            map("192.168.1.100", "b"),
            Map.of(),
            List.of("192.168.1.100:-->b")),
        new Row(
            "a wider prefix on the node covers the IP",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.7.100")),
                List.of(worker("a", W1), worker("b", "192.168.0.2/16")),
                Map.of()),
            map("192.168.7.100", "b"),
            Map.of(),
            List.of("192.168.7.100:-->b")),
        new Row(
            "a node whose only matching address is a floating IP is not eligible",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100")),
                List.of(worker("a", "10.0.0.1/24", "192.168.1.100/32")),
                Map.of("192.168.1.100", "a")),
            Map.of(),
            map("192.168.1.100", "in the subnet of 192.168.1.100"),
            List.of("192.168.1.100:a->-")),
        new Row(
            "unknown subnets: not eligible, and the reason says so",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100")),
                List.of(worker("a"), worker("b")),
                Map.of()),
            Map.of(),
            map("192.168.1.100", "2 of 2 have not reported subnets yet"),
            List.of()),
        new Row(
            "every node that could hold it is down",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100")),
                List.of(down(worker("a", W1)), down(controlPlane("b", W2))),
                Map.of("192.168.1.100", "a")),
            Map.of(),
            map("192.168.1.100", "all 2 nodes that could hold it are down"),
            List.of("192.168.1.100:a->-")),
        new Row(
            "no node matches the nodeSelector",
            new PlacementSnapshot(
                List.of(group("ns/a", map("egress", "yes"), "192.168.1.100")),
                List.of(worker("a", W1)),
                Map.of()),
            Map.of(),
            map("192.168.1.100", "no node matches the nodeSelector {egress=yes}"),
            List.of()),
        new Row(
            "an invalid address is never placed",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.300", "192.168.1.100")),
                List.of(worker("a", W1)),
                Map.of()),
            map("192.168.1.100", "a"),
            map("192.168.1.300", "not an IPv4 address"),
            List.of("192.168.1.100:-->a")),
        new Row(
            "an IP removed from its group is released",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100")),
                List.of(worker("a", W1)),
                Map.of("192.168.1.100", "a", "192.168.1.109", "a")),
            map("192.168.1.100", "a"),
            Map.of(),
            List.of("192.168.1.109:a->-")),
        new Row(
            "an IP held by a node that no longer exists moves",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100")),
                List.of(worker("a", W1)),
                Map.of("192.168.1.100", "gone")),
            map("192.168.1.100", "a"),
            Map.of(),
            List.of("192.168.1.100:gone->a")),
        new Row(
            "groups are processed by key, not by input order",
            new PlacementSnapshot(
                List.of(group("ns/b", "192.168.1.101"), group("ns/a", "192.168.1.100")),
                List.of(worker("w2", W2), worker("w1", W1)),
                Map.of()),
            map("192.168.1.100", "w1", "192.168.1.101", "w2"),
            Map.of(),
            List.of("192.168.1.100:-->w1", "192.168.1.101:-->w2")),
        new Row(
            "a duplicate IP in a second group belongs to the first group",
            new PlacementSnapshot(
                List.of(group("ns/a", "192.168.1.100"), group("ns/b", "192.168.1.100")),
                List.of(worker("w1", W1), worker("w2", W2)),
                Map.of()),
            map("192.168.1.100", "w1"),
            Map.of(),
            List.of("192.168.1.100:-->w1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void plan(Row row) {
    PlacementResult result = FloatingIpPlacement.plan(row.in());

    assertEquals(row.assigned(), result.assignment(), row.desc());
    assertEquals(row.unassigned().keySet(), result.unassigned().keySet(), row.desc());
    row.unassigned()
        .forEach(
            (ip, fragment) ->
                assertTrue(
                    result.unassigned().get(ip).contains(fragment),
                    row.desc() + ": reason was '" + result.unassigned().get(ip) + "'"));
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
}

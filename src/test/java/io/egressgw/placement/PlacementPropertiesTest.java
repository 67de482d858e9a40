package io.egressgw.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.net.Ipv4;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of placement over random clusters. */
class PlacementPropertiesTest {

  static final List<String> IP_POOL =
      List.of(
          "192.168.1.100",
          "192.168.1.101",
          "192.168.1.102",
          "192.168.1.103",
          "192.168.1.104",
          "10.0.0.100",
          "10.0.0.101",
          "10.0.0.102",
          "172.16.0.1",
          "not-an-ip");
  static final List<String> SUBNET_POOL =
      List.of(
          "192.168.1.1/24",
          "192.168.1.2/24",
          "192.168.1.3/24",
          "10.0.0.7/24",
          "10.0.0.8/24",
          "192.168.0.9/16",
          "192.168.1.100/32",
          "10.0.0.101/24",
          "bogus");
  static final List<String> NAMES = List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7");

  @Provide
  Arbitrary<PlacementNode> node() {
    Arbitrary<Map<String, String>> labels =
        Arbitraries.maps(Arbitraries.of("zone", "egress"), Arbitraries.of("a", "b")).ofMaxSize(2);
    return Combinators.combine(
            Arbitraries.of(NAMES),
            labels,
            Arbitraries.frequency(Tuple(4, false), Tuple(1, true)),
            Arbitraries.of(SUBNET_POOL).list().ofMaxSize(3),
            Arbitraries.frequency(Tuple(4, true), Tuple(1, false)))
        .as(PlacementNode::new);
  }

  @SuppressWarnings("unchecked")
  private static <T> net.jqwik.api.Tuple.Tuple2<Integer, T> Tuple(int f, T v) {
    return net.jqwik.api.Tuple.of(f, v);
  }

  @Provide
  Arbitrary<PlacementGroup> group() {
    return Combinators.combine(
            Arbitraries.of("ns/a", "ns/b", "ns/c", "kube-system/d"),
            Arbitraries.of(IP_POOL).list().uniqueElements().ofMaxSize(4),
            Arbitraries.maps(Arbitraries.of("zone", "egress"), Arbitraries.of("a", "b"))
                .ofMaxSize(1)
                .injectNull(0.0))
        .as(PlacementGroup::new);
  }

  @Provide
  Arbitrary<PlacementSnapshot> snapshot() {
    Arbitrary<List<PlacementNode>> nodes =
        node().list().uniqueElements(PlacementNode::name).ofMaxSize(8);
    Arbitrary<List<PlacementGroup>> groups =
        group().list().uniqueElements(PlacementGroup::key).ofMaxSize(4);
    Arbitrary<Map<String, String>> current =
        Arbitraries.maps(
                Arbitraries.of(IP_POOL),
                Arbitraries.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "gone"))
            .ofMaxSize(8);
    return Combinators.combine(groups, nodes, current).as(PlacementSnapshot::new);
  }

  @Property(tries = 500)
  void agreesWithTheNaiveModel(@ForAll("snapshot") PlacementSnapshot s) {
    assertEquals(ReferencePlacement.plan(s), FloatingIpPlacement.plan(s).assignment());
  }

  /**
   * Clusters with more than 64 eligible nodes take the bitset level scan instead of a direct scan.
   */
  @Provide
  Arbitrary<PlacementSnapshot> largeSnapshot() {
    Arbitrary<PlacementNode> node =
        Combinators.combine(
                Arbitraries.integers().between(0, 299),
                Arbitraries.maps(Arbitraries.of("zone"), Arbitraries.of("a", "b")).ofMaxSize(1),
                Arbitraries.frequency(Tuple(3, false), Tuple(1, true)),
                Arbitraries.frequency(Tuple(9, true), Tuple(1, false)))
            .as(
                (i, labels, cp, up) ->
                    new PlacementNode(
                        String.format("n%03d", i),
                        labels,
                        cp,
                        List.of(
                            i % 7 == 0
                                ? "10.1.0." + (i % 250 + 1) + "/24"
                                : "10.0.0." + (i % 250 + 1) + "/16"),
                        up));
    Arbitrary<List<PlacementNode>> nodes =
        node.list().uniqueElements(PlacementNode::name).ofMinSize(65).ofMaxSize(200);
    Arbitrary<PlacementGroup> group =
        Combinators.combine(
                Arbitraries.of("ns/a", "ns/b", "ns/c"),
                Arbitraries.integers()
                    .between(1, 120)
                    .map(k -> "10.0.9." + k)
                    .list()
                    .uniqueElements()
                    .ofMaxSize(40),
                Arbitraries.maps(Arbitraries.of("zone"), Arbitraries.of("a")).ofMaxSize(1))
            .as(PlacementGroup::new);
    Arbitrary<Map<String, String>> current =
        Arbitraries.maps(
                Arbitraries.integers().between(1, 120).map(k -> "10.0.9." + k),
                Arbitraries.integers().between(0, 299).map(i -> String.format("n%03d", i)))
            .ofMaxSize(30);
    return Combinators.combine(
            group.list().uniqueElements(PlacementGroup::key).ofMaxSize(3), nodes, current)
        .as(PlacementSnapshot::new);
  }

  @Property(tries = 80)
  void agreesWithTheNaiveModelOnLargeClusters(@ForAll("largeSnapshot") PlacementSnapshot s) {
    assertEquals(ReferencePlacement.plan(s), FloatingIpPlacement.plan(s).assignment());
  }

  @Property(tries = 500)
  void everyIpHasOneFateAndOnlyEligibleHolders(@ForAll("snapshot") PlacementSnapshot s) {
    PlacementResult r = FloatingIpPlacement.plan(s);
    Set<String> all = new HashSet<>();
    s.groups().forEach(g -> all.addAll(g.floatingIPs()));
    Set<String> fates = new HashSet<>(r.assignment().keySet());
    r.unassigned()
        .keySet()
        .forEach(ip -> assertTrue(fates.add(ip), ip + " assigned and unassigned"));
    assertEquals(all, fates);
    Map<String, PlacementNode> nodes = new HashMap<>();
    s.nodes().forEach(n -> nodes.put(n.name(), n));
    Set<String> floating = new HashSet<>(all);
    r.assignment()
        .forEach(
            (ip, node) -> {
              PlacementGroup g =
                  s.groups().stream()
                      .filter(x -> x.floatingIPs().contains(ip))
                      .min(java.util.Comparator.comparing(PlacementGroup::key))
                      .orElseThrow();
              assertTrue(
                  ReferencePlacement.eligible(nodes.get(node), g, ip, floating),
                  ip + " on ineligible " + node);
            });
    r.unassigned().values().forEach(reason -> assertTrue(!reason.isBlank()));
  }

  @Property(tries = 500)
  void nothingMovesWithoutCause(@ForAll("snapshot") PlacementSnapshot s) {
    PlacementResult r = FloatingIpPlacement.plan(s);
    Map<String, PlacementNode> nodes = new HashMap<>();
    s.nodes().forEach(n -> nodes.put(n.name(), n));
    Set<String> floating = new HashSet<>();
    s.groups().forEach(g -> floating.addAll(g.floatingIPs()));
    List<PlacementGroup> byKey = new ArrayList<>(s.groups());
    byKey.sort(java.util.Comparator.comparing(PlacementGroup::key));
    s.currentAssignment()
        .forEach(
            (ip, node) -> {
              PlacementNode n = nodes.get(node);
              byKey.stream()
                  .filter(g -> g.floatingIPs().contains(ip))
                  .findFirst()
                  .filter(g -> Ipv4.parse(ip) >= 0)
                  .filter(g -> n != null && ReferencePlacement.eligible(n, g, ip, floating))
                  .ifPresent(g -> assertEquals(node, r.assignment().get(ip), ip + " moved"));
            });
    // The moves are exactly the difference between before and after.
    Map<String, String> replayed = new HashMap<>(s.currentAssignment());
    replayed.keySet().retainAll(floating);
    for (FloatingIpMove m : r.moves()) {
      assertNotNull(m.reason());
      if (m.toNode() == null) {
        replayed.remove(m.ip());
      } else {
        replayed.put(m.ip(), m.toNode());
      }
    }
    assertEquals(r.assignment(), replayed);
  }

  @Property(tries = 300)
  void preferenceOrder(@ForAll("snapshot") PlacementSnapshot s) {
    // A newly placed IP never lands on a control-plane node while a worker is eligible.
    PlacementResult r = FloatingIpPlacement.plan(s);
    Set<String> floating = new HashSet<>();
    s.groups().forEach(g -> floating.addAll(g.floatingIPs()));
    for (FloatingIpMove m : r.moves()) {
      if (m.toNode() == null) {
        continue;
      }
      PlacementNode to =
          s.nodes().stream().filter(n -> n.name().equals(m.toNode())).findFirst().orElseThrow();
      PlacementGroup g =
          s.groups().stream()
              .filter(x -> x.floatingIPs().contains(m.ip()))
              .min(java.util.Comparator.comparing(PlacementGroup::key))
              .orElseThrow();
      if (to.controlPlane()) {
        assertTrue(
            s.nodes().stream()
                .noneMatch(
                    n -> !n.controlPlane() && ReferencePlacement.eligible(n, g, m.ip(), floating)),
            m + " went to a control-plane node while a worker was eligible");
      }
    }
  }

  @Property(tries = 300)
  void sameInputSameOutput(@ForAll("snapshot") PlacementSnapshot s, @ForAll long seed) {
    List<PlacementNode> nodes = new ArrayList<>(s.nodes());
    List<PlacementGroup> groups = new ArrayList<>(s.groups());
    Collections.shuffle(nodes, new Random(seed));
    Collections.shuffle(groups, new Random(seed + 1));
    Map<String, String> current = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>(s.currentAssignment().keySet());
    Collections.shuffle(keys, new Random(seed + 2));
    keys.forEach(k -> current.put(k, s.currentAssignment().get(k)));

    PlacementResult a = FloatingIpPlacement.plan(s);
    PlacementResult b = FloatingIpPlacement.plan(new PlacementSnapshot(groups, nodes, current));

    assertEquals(a, b);
    assertEquals(List.copyOf(a.assignment().keySet()), List.copyOf(b.assignment().keySet()));
  }

  @Property(tries = 300)
  void oneIndexAnswersEveryGroupsNodeStatus(@ForAll("snapshot") PlacementSnapshot s) {
    PlacementIndex index = PlacementIndex.of(s);

    for (PlacementGroup g : s.groups()) {
      assertEquals(FloatingIpPlacement.nodeStatus(s, g.key()), index.nodeStatus(g.key()), g.key());
    }
    assertEquals(FloatingIpPlacement.plan(s), index.result());
  }
}

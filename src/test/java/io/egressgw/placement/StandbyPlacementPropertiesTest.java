package io.egressgw.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.net.Ipv4;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of standby holders and drained nodes over random clusters. */
class StandbyPlacementPropertiesTest {
  private final PlacementPropertiesTest base = new PlacementPropertiesTest();

  @Provide
  Arbitrary<PlacementSnapshot> snapshot() {
    Arbitrary<PlacementNode> node =
        Combinators.combine(
                base.node(),
                Arbitraries.frequency(
                    net.jqwik.api.Tuple.of(6, NodeDrain.NONE),
                    net.jqwik.api.Tuple.of(1, NodeDrain.CORDONED),
                    net.jqwik.api.Tuple.of(1, NodeDrain.DRAIN_LABEL),
                    net.jqwik.api.Tuple.of(1, NodeDrain.AGENT_STOPPING)))
            .as(
                (n, drain) ->
                    new PlacementNode(
                        n.name(), n.labels(), n.controlPlane(), n.subnets(), n.up(), drain));
    Arbitrary<Map<String, String>> byIp =
        Arbitraries.maps(
                Arbitraries.of(PlacementPropertiesTest.IP_POOL),
                Arbitraries.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "gone"))
            .ofMaxSize(8);
    return Combinators.combine(
            base.group().list().uniqueElements(PlacementGroup::key).ofMaxSize(4),
            node.list().uniqueElements(PlacementNode::name).ofMaxSize(8),
            byIp,
            byIp)
        .as(PlacementSnapshot::new);
  }

  /** The group an IP belongs to (the first by key), if it is a valid floating IP. */
  private static Optional<PlacementGroup> groupOf(PlacementSnapshot s, String ip) {
    return s.groups().stream()
        .filter(g -> g.floatingIPs().contains(ip))
        .min(Comparator.comparing(PlacementGroup::key))
        .filter(g -> Ipv4.parse(ip) >= 0);
  }

  private static boolean eligible(
      PlacementSnapshot s, PlacementNode n, String ip, Set<String> floating) {
    return n != null
        && n.available()
        && groupOf(s, ip).map(g -> ReferencePlacement.eligible(n, g, ip, floating)).orElse(false);
  }

  @Property(tries = 1000)
  void standbysAreEligibleOtherNodesStableWhileEligibleAndTakeOverFirst(
      @ForAll("snapshot") PlacementSnapshot s) {
    PlacementResult r = FloatingIpPlacement.plan(s);
    Map<String, PlacementNode> nodes = new HashMap<>();
    s.nodes().forEach(n -> nodes.put(n.name(), n));
    Set<String> floating = new HashSet<>();
    s.groups().forEach(g -> floating.addAll(g.floatingIPs()));

    r.standbys()
        .forEach(
            (ip, node) -> {
              assertTrue(r.assignment().containsKey(ip), ip + " has a standby but no holder");
              assertNotEquals(r.assignment().get(ip), node, ip + ": standby is the holder");
              assertTrue(eligible(s, nodes.get(node), ip, floating), ip + " on " + node);
            });
    r.assignment()
        .forEach(
            (ip, holder) -> {
              PlacementNode h = nodes.get(holder);
              if (!eligible(s, h, ip, floating)) {
                // Only a draining holder that no other node can replace keeps its IP.
                assertEquals(holder, s.currentAssignment().get(ip), ip + " given to " + holder);
                assertTrue(h.up() && h.drain() != NodeDrain.NONE, ip + " on " + holder);
                assertTrue(
                    s.nodes().stream().noneMatch(n -> eligible(s, n, ip, floating)),
                    ip + " kept on draining " + holder + " though another node is eligible");
              }
              boolean another =
                  s.nodes().stream()
                      .anyMatch(n -> !n.name().equals(holder) && eligible(s, n, ip, floating));
              assertEquals(another, r.standbys().containsKey(ip), ip + ": standby iff possible");
            });
    s.currentAssignment()
        .forEach(
            (ip, before) -> {
              if (groupOf(s, ip).isEmpty() || eligible(s, nodes.get(before), ip, floating)) {
                return;
              }
              String standby = s.currentStandbys().get(ip);
              if (standby != null && eligible(s, nodes.get(standby), ip, floating)) {
                assertEquals(standby, r.assignment().get(ip), ip + ": the standby takes over");
              }
            });
    s.currentStandbys()
        .forEach(
            (ip, before) -> {
              String holder = r.assignment().get(ip);
              if (holder != null
                  && !before.equals(holder)
                  && eligible(s, nodes.get(before), ip, floating)) {
                assertEquals(before, r.standbys().get(ip), ip + ": an eligible standby stays");
              }
            });
  }
}

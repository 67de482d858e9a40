package io.egressgw.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.dataplane.EgressEntry;
import io.egressgw.dataplane.MapLayouts;
import io.egressgw.dataplane.RouteKey;
import io.egressgw.net.Ipv4;
import io.egressgw.net.Ipv4Prefix;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** From program to map contents, and the diff the agent applies (pure). */
class DataplaneStateTest {
  static final int NODE = Ipv4.parseOrThrow("10.77.0.1");

  static final List<String> GUARD = List.of("203.0.113.0/24", "198.51.100.7/24");

  static NodeProgram program(
      Map<String, Integer> sources, Map<Integer, Egress> egresses, List<String> floating) {
    return program(sources, egresses, floating, GUARD);
  }

  static NodeProgram program(
      Map<String, Integer> sources,
      Map<Integer, Egress> egresses,
      List<String> floating,
      List<String> guard) {
    return new NodeProgram(
        "n1",
        1,
        sources,
        Map.of(1, List.of(new Route("203.0.113.0/24", 7), new Route("198.51.100.7/24", 8))),
        egresses,
        floating,
        guard);
  }

  static final Egress REMOTE = new Egress(7, "p", "10.77.0.100", "n2", "10.77.0.2");
  static final Egress LOCAL = new Egress(7, "p", "10.77.0.100", "n1", "10.77.0.1");
  static final Egress NONE = new Egress(7, "p", "10.77.0.100", null, null);
  static final Egress OTHER = new Egress(8, "q", "10.77.0.101", "n2", "10.77.0.2");

  @Test
  void desiredStateEncodesTheProgram() {
    DataplaneState s =
        DataplaneState.desired(
            program(Map.of("10.244.1.2", 1), Map.of(7, LOCAL, 8, OTHER), List.of("10.77.0.100")),
            NODE);

    assertEquals(Map.of(Ipv4.parseOrThrow("10.244.1.2"), 1), s.sources());
    assertEquals(
        Map.of(
            new RouteKey(1, Ipv4Prefix.parse("203.0.113.0/24")), 7,
            new RouteKey(1, Ipv4Prefix.parse("198.51.100.0/24")), 8),
        s.routes(),
        "host bits are cleared");
    assertEquals(
        new EgressEntry(NODE, Ipv4.parseOrThrow("10.77.0.100"), MapLayouts.EGRESS_HAS_GATEWAY),
        s.egresses().get(7));
    assertEquals(
        Map.of(MapLayouts.mark(MapLayouts.MARK_SNAT, 7), Ipv4.parseOrThrow("10.77.0.100")),
        s.snat(),
        "SNAT only for egresses held here");
    assertEquals(Set.of(Ipv4.parseOrThrow("10.77.0.100")), s.floatingIPs());
    assertEquals(
        Set.of(Ipv4Prefix.parse("203.0.113.0/24"), Ipv4Prefix.parse("198.51.100.0/24")),
        s.guard(),
        "guarded prefixes, host bits cleared");
  }

  @Test
  void excludedPrefixesBecomeTheExcludedMapAndAreDiffedOnTheirOwn() {
    NodeProgram before = program(Map.of("10.244.1.2", 1), Map.of(7, REMOTE), List.of());
    NodeProgram after =
        new NodeProgram(
            "n1",
            2,
            before.sources(),
            before.ruleSets(),
            before.egresses(),
            before.floatingIPs(),
            before.guardedPrefixes(),
            List.of("10.244.0.0/16", "10.77.0.2/32"));

    DataplaneState s = DataplaneState.desired(after, NODE);
    DataplaneState.Diff d = DataplaneState.diff(DataplaneState.desired(before, NODE), s);

    assertEquals(
        Set.of(Ipv4Prefix.parse("10.244.0.0/16"), Ipv4Prefix.parse("10.77.0.2/32")), s.excluded());
    assertEquals(s.excluded(), d.excluded().upserts().keySet(), "only the excluded map changes");
    assertTrue(d.sources().isEmpty() && d.routes().isEmpty() && d.guard().isEmpty());
    assertTrue(
        DataplaneState.diff(s, DataplaneState.desired(before, NODE))
            .excluded()
            .deletes()
            .containsAll(s.excluded()),
        "removed again when the program drops them");
  }

  @Test
  void unselectedPodIsASourceWithRuleSetZero() {
    DataplaneState s =
        DataplaneState.desired(
            program(Map.of("10.244.1.9", 0), Map.of(7, REMOTE), List.of()), NODE);
    assertEquals(Map.of(Ipv4.parseOrThrow("10.244.1.9"), 0), s.sources());
  }

  @Test
  void egressWithoutGatewayHasNoGatewayFlag() {
    DataplaneState s = DataplaneState.desired(program(Map.of(), Map.of(7, NONE), List.of()), NODE);
    assertEquals(new EgressEntry(0, Ipv4.parseOrThrow("10.77.0.100"), 0), s.egresses().get(7));
    assertTrue(s.snat().isEmpty());
  }

  @Test
  void egressIdsOutsideTheMarkAreRejected() {
    Egress big = new Egress(70000, "p", "10.77.0.100", "n2", "10.77.0.2");
    assertThrows(
        IllegalArgumentException.class,
        () -> DataplaneState.desired(program(Map.of(), Map.of(70000, big), List.of()), NODE));
  }

  record Case(
      String desc,
      NodeProgram from,
      NodeProgram to,
      int sources,
      int routes,
      int egresses,
      int snat,
      int floating,
      int guard) {
    Case(
        String desc,
        NodeProgram from,
        NodeProgram to,
        int sources,
        int routes,
        int egresses,
        int snat,
        int floating) {
      this(desc, from, to, sources, routes, egresses, snat, floating, 0);
    }
  }

  static List<Case> cases() {
    NodeProgram base = program(Map.of("10.244.1.2", 1), Map.of(7, REMOTE), List.of());
    return List.of(
        new Case("same program: nothing", base, base, 0, 0, 0, 0, 0),
        new Case(
            "same state, other generation: nothing", base, base.withGeneration(9), 0, 0, 0, 0, 0),
        new Case(
            "from empty: everything written", NodeProgram.empty("n1", 0), base, 1, 2, 1, 0, 0, 2),
        new Case(
            "to empty: everything deleted", base, NodeProgram.empty("n1", 2), 1, 2, 1, 0, 0, 2),
        new Case(
            "an unselected pod added (rule set 0): one source",
            base,
            program(Map.of("10.244.1.2", 1, "10.244.1.9", 0), Map.of(7, REMOTE), List.of()),
            1,
            0,
            0,
            0,
            0),
        new Case(
            "a guarded prefix added: only the guard",
            base,
            program(
                Map.of("10.244.1.2", 1),
                Map.of(7, REMOTE),
                List.of(),
                List.of("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")),
            0,
            0,
            0,
            0,
            0,
            1),
        new Case(
            "guarded prefixes removed: only the guard",
            base,
            program(Map.of("10.244.1.2", 1), Map.of(7, REMOTE), List.of(), List.of()),
            0,
            0,
            0,
            0,
            0,
            2),
        new Case(
            "a pod added",
            base,
            program(Map.of("10.244.1.2", 1, "10.244.1.3", 1), Map.of(7, REMOTE), List.of()),
            1,
            0,
            0,
            0,
            0),
        new Case(
            "a pod changes rule set",
            base,
            program(Map.of("10.244.1.2", 2), Map.of(7, REMOTE), List.of()),
            1,
            0,
            0,
            0,
            0),
        new Case(
            "the floating IP moves here",
            base,
            program(Map.of("10.244.1.2", 1), Map.of(7, LOCAL), List.of("10.77.0.100")),
            0,
            0,
            1,
            1,
            1),
        new Case(
            "the floating IP leaves",
            program(Map.of("10.244.1.2", 1), Map.of(7, LOCAL), List.of("10.77.0.100")),
            base,
            0,
            0,
            1,
            1,
            1),
        new Case(
            "the gateway goes down",
            base,
            program(Map.of("10.244.1.2", 1), Map.of(7, NONE), List.of()),
            0,
            0,
            1,
            0,
            0));
  }

  @TestFactory
  Stream<DynamicTest> diffChangesOnlyTheDifference() {
    return cases().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.desc(),
                    () -> {
                      DataplaneState.Diff d =
                          DataplaneState.diff(
                              DataplaneState.desired(c.from(), NODE),
                              DataplaneState.desired(c.to(), NODE));
                      assertEquals(c.sources(), d.sources().size(), "sources");
                      assertEquals(c.routes(), d.routes().size(), "routes");
                      assertEquals(c.egresses(), d.egresses().size(), "egresses");
                      assertEquals(c.snat(), d.snat().size(), "snat");
                      assertEquals(c.floating(), d.floatingIPs().size(), "floating IPs");
                      assertEquals(c.guard(), d.guard().size(), "guard");
                      assertEquals(
                          c.sources()
                                  + c.routes()
                                  + c.egresses()
                                  + c.snat()
                                  + c.floating()
                                  + c.guard()
                              == 0,
                          d.isEmpty());
                    }));
  }
}

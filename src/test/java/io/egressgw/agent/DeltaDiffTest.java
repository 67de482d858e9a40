package io.egressgw.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.dataplane.DataplaneObject;
import io.egressgw.net.Ipv4;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import io.egressgw.program.ProgramDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The diff an apply computes from a {@link ProgramDelta} against the mirror of what was written
 * (pure): the same as diffing the whole new program against it, so that the O(change) apply path
 * writes exactly what the whole-program path would.
 */
class DeltaDiffTest {
  static final int NODE = Ipv4.parseOrThrow("10.77.0.1");
  static final List<String> IPS =
      List.of("10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.2.2", "10.244.2.3");
  static final List<String> CIDRS =
      List.of("203.0.113.0/24", "203.0.113.7/32", "198.51.100.0/24", "0.0.0.0/0", "192.0.2.0/25");
  static final List<String> FLOATING = List.of("10.77.0.100", "10.77.0.101", "10.77.0.102");
  static final List<Egress> EGRESS_KINDS =
      List.of(
          new Egress(0, "p", "10.77.0.100", "n1", "10.77.0.1"),
          new Egress(0, "p", "10.77.0.101", "n2", "10.77.0.2"),
          new Egress(0, "p", "10.77.0.102", null, null));

  @Provide
  Arbitrary<NodeProgram> programs() {
    Arbitrary<Map<String, Integer>> sources =
        Arbitraries.maps(Arbitraries.of(IPS), Arbitraries.integers().between(0, 3)).ofMaxSize(5);
    Arbitrary<List<Route>> routeList =
        Combinators.combine(Arbitraries.of(CIDRS), Arbitraries.integers().between(1, 4))
            .as(Route::new)
            .list()
            .ofMaxSize(4);
    Arbitrary<Map<Integer, List<Route>>> ruleSets =
        Arbitraries.maps(Arbitraries.integers().between(1, 3), routeList).ofMaxSize(3);
    Arbitrary<Map<Integer, Egress>> egresses =
        Arbitraries.maps(Arbitraries.integers().between(1, 4), Arbitraries.integers().between(0, 2))
            .ofMaxSize(4)
            .map(
                m -> {
                  Map<Integer, Egress> out = new HashMap<>();
                  m.forEach(
                      (id, kind) -> {
                        Egress e = EGRESS_KINDS.get(kind);
                        out.put(
                            id,
                            new Egress(
                                id, "p" + id, e.egressIP(), e.gatewayNode(), e.gatewayNodeIP()));
                      });
                  return out;
                });
    Arbitrary<List<String>> floating =
        Arbitraries.of(FLOATING).set().ofMaxSize(3).map(List::copyOf);
    Arbitrary<List<String>> prefixes = Arbitraries.of(CIDRS).set().ofMaxSize(4).map(List::copyOf);
    return Combinators.combine(sources, ruleSets, egresses, floating, prefixes, prefixes)
        .as(
            (s, r, e, f, g, x) ->
                new NodeProgram("n1", 1, s, r, e, f, g, x.stream().sorted().toList()));
  }

  @Property(tries = 500)
  void theDeltaDiffIsTheDiffOfTheWholeProgram(
      @ForAll("programs") NodeProgram base, @ForAll("programs") NodeProgram target) {
    DataplaneState mirror = DataplaneState.desired(base, NODE);
    ProgramDelta delta = ProgramDelta.between(base, target);

    DataplaneState.Diff fromDelta = DataplaneState.diff(mirror, base, delta, NODE);
    DataplaneState.Diff whole = DataplaneState.diff(mirror, DataplaneState.desired(target, NODE));

    assertEquals(normal(whole), normal(fromDelta));
    assertEquals(DataplaneState.desired(target, NODE), mirror.absorb(fromDelta));
  }

  @Property(tries = 200)
  void theCapacityCheckOfADeltaCountsAsTheWholeProgramDoes(
      @ForAll("programs") NodeProgram base, @ForAll("programs") NodeProgram target) {
    DataplaneObject.Capacities small = new DataplaneObject.Capacities(2, 3, 3, 2, 2);
    DataplaneState mirror = DataplaneState.desired(base, NODE);
    DataplaneState.Diff fromDelta =
        DataplaneState.diff(mirror, base, ProgramDelta.between(base, target), NODE);

    assertEquals(
        CapacityCheck.excesses(DataplaneState.desired(target, NODE), small),
        CapacityCheck.excesses(mirror, fromDelta, small));
  }

  @Test
  void aOnePodDeltaChangesOneSourceAndNothingElse() {
    Map<String, Integer> sources = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      sources.put(Ipv4.format(Ipv4.parseOrThrow("10.128.0.0") + i), 1 + i % 10);
    }
    Map<Integer, List<Route>> ruleSets = new HashMap<>();
    for (int r = 1; r <= 10; r++) {
      List<Route> list = new ArrayList<>();
      for (int j = 0; j < 100; j++) {
        list.add(
            new Route(Ipv4.format(Ipv4.parseOrThrow("64.0.0.0") + (r * 100 + j) * 256) + "/24", 1));
      }
      ruleSets.put(r, list);
    }
    NodeProgram base =
        new NodeProgram(
            "n1", 1, sources, ruleSets, Map.of(1, EGRESS_KINDS.get(1)), List.of(), List.of());
    Map<String, Integer> more = new HashMap<>(sources);
    more.put("10.129.0.1", 3);
    NodeProgram next =
        new NodeProgram("n1", 2, more, base.ruleSets(), base.egresses(), List.of(), List.of());
    DataplaneState mirror = DataplaneState.desired(base, NODE);

    DataplaneState.Diff diff =
        DataplaneState.diff(mirror, base, ProgramDelta.between(base, next), NODE);

    assertEquals(Map.of(Ipv4.parseOrThrow("10.129.0.1"), 3), diff.sources().upserts());
    assertTrue(diff.sources().deletes().isEmpty());
    assertEquals(1, sizeOf(diff));
  }

  private static int sizeOf(DataplaneState.Diff d) {
    return d.sources().size()
        + d.routes().size()
        + d.egresses().size()
        + d.snat().size()
        + d.floatingIPs().size()
        + d.guard().size()
        + d.excluded().size();
  }

  /** A diff with its delete lists as sets (their order carries no meaning). */
  private static List<Object> normal(DataplaneState.Diff d) {
    List<Object> out = new ArrayList<>();
    for (DataplaneState.MapDiff<?, ?> m :
        List.of(
            d.sources(),
            d.routes(),
            d.egresses(),
            d.snat(),
            d.floatingIPs(),
            d.guard(),
            d.excluded())) {
      out.add(Map.copyOf(m.upserts()));
      out.add(Set.copyOf(new HashSet<>(m.deletes())));
      out.add(Set.copyOf(m.changed()));
    }
    return out;
  }
}

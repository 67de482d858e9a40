package io.egressgw.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.dataplane.DataplaneObject.Capacities;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** A program is checked against the map capacities before anything is written (pure). */
class CapacityCheckTest {
  static final int NODE = io.egressgw.net.Ipv4.parseOrThrow("10.77.0.1");
  static final Capacities SMALL = new Capacities(4, 8, 16, 2);

  static NodeProgram program(int pods, int egressId, int guarded) {
    Map<String, Integer> sources = new HashMap<>();
    for (int i = 0; i < pods; i++) {
      sources.put("10.244.1." + (i + 2), 1);
    }
    List<String> guard =
        List.of("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24").subList(0, guarded);
    return new NodeProgram(
        "n1",
        1,
        sources,
        Map.of(1, List.of(new Route("203.0.113.0/24", egressId))),
        Map.of(egressId, new Egress(egressId, "p", "10.77.0.100", "n2", "10.77.0.2")),
        List.of(),
        guard);
  }

  record Row(String desc, NodeProgram program, String excesses) {}

  @TestFactory
  Stream<DynamicTest> excesses() {
    return Stream.of(
            new Row("fits exactly", program(4, 15, 2), "[]"),
            new Row("one pod too many", program(5, 7, 1), "[sources 5 > 4]"),
            new Row("a guarded prefix too many", program(1, 7, 3), "[guard 3 > 2]"),
            new Row(
                "an egress id the counters array cannot index",
                program(1, 16, 1),
                "[egress id 16 > 15]"))
        .map(
            r ->
                DynamicTest.dynamicTest(
                    r.desc(),
                    () ->
                        assertEquals(
                            r.excesses(),
                            CapacityCheck.excesses(DataplaneState.desired(r.program(), NODE), SMALL)
                                .toString())));
  }

  @Test
  void aMapThatWouldOverflowBetweenItsUpsertsAndDeletesDeletesFirst() {
    DataplaneState installed = DataplaneState.desired(program(4, 7, 1), NODE);
    Map<String, Integer> replaced = new HashMap<>();
    replaced.put("10.244.1.2", 1);
    replaced.put("10.244.1.3", 1);
    replaced.put("10.244.1.50", 1);
    NodeProgram p = program(0, 7, 1);
    DataplaneState desired =
        DataplaneState.desired(
            new NodeProgram(
                "n1", 2, replaced, p.ruleSets(), p.egresses(), List.of(), p.guardedPrefixes()),
            NODE);
    DataplaneState.Diff diff = DataplaneState.diff(installed, desired);

    assertEquals(
        true,
        CapacityCheck.deletesFirst(installed.sources().size(), diff.sources(), 4),
        "4 installed + 1 new > 4, although 3 fit");
    assertEquals(false, CapacityCheck.deletesFirst(installed.sources().size(), diff.sources(), 5));
  }
}

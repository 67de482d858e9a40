package io.egressgw.program;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire form of {@link NodeProgram}: guardedPrefixes travels, and an older program without it
 * still reads.
 */
class NodeProgramJsonTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void guardedPrefixesRoundTrip() throws Exception {
    NodeProgram p =
        new NodeProgram(
            "n1",
            3,
            Map.of("10.244.1.2", 1, "10.244.1.3", 0),
            Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", 7))),
            Map.of(7, new NodeProgram.Egress(7, "p", "10.77.0.100", "n2", "10.77.0.2")),
            List.of(),
            List.of("203.0.113.0/24"));

    NodeProgram back = JSON.readValue(JSON.writeValueAsString(p), NodeProgram.class);

    assertEquals(p, back);
    assertEquals(List.of("203.0.113.0/24"), back.guardedPrefixes());
  }

  @Test
  void aProgramWithoutGuardedPrefixesGuardsNothing() throws Exception {
    NodeProgram p =
        JSON.readValue(
            "{\"node\":\"n1\",\"generation\":2,\"sources\":{},\"ruleSets\":{},\"egresses\":{},\"floatingIPs\":[]}",
            NodeProgram.class);

    assertEquals(List.of(), p.guardedPrefixes());
  }

  @Test
  void guardedPrefixesArePartOfTheState() {
    NodeProgram a = NodeProgram.empty("n1", 1);
    NodeProgram b =
        new NodeProgram(
            "n1", 1, Map.of(), Map.of(), Map.of(), List.of(), List.of("198.51.100.0/24"));

    assertFalse(a.sameStateAs(b));
    assertEquals(b.guardedPrefixes(), b.withGeneration(5).guardedPrefixes());
  }

  @Test
  void excludedPrefixesRoundTripAndArePartOfTheState() throws Exception {
    NodeProgram p =
        new NodeProgram(
            "n1",
            3,
            Map.of(),
            Map.of(),
            Map.of(),
            List.of(),
            List.of("0.0.0.0/0"),
            List.of("10.10.0.0/16", "192.168.1.11/32"));

    NodeProgram back = JSON.readValue(JSON.writeValueAsString(p), NodeProgram.class);

    assertEquals(p, back);
    assertEquals(List.of("10.10.0.0/16", "192.168.1.11/32"), back.excludedPrefixes());
    NodeProgram withoutExclusions =
        new NodeProgram(
            "n1", 3, Map.of(), Map.of(), Map.of(), List.of(), List.of("0.0.0.0/0"), List.of());
    assertFalse(p.sameStateAs(withoutExclusions));
    assertEquals(p.excludedPrefixes(), p.withGeneration(5).excludedPrefixes());
  }

  @Test
  void aProgramWithoutExcludedPrefixesExcludesNothing() throws Exception {
    NodeProgram p =
        JSON.readValue(
            "{\"node\":\"n1\",\"generation\":2,\"sources\":{},\"ruleSets\":{},\"egresses\":{},\"floatingIPs\":[]}",
            NodeProgram.class);

    assertEquals(List.of(), p.excludedPrefixes());
  }

  @Test
  void anAdoptedSourcesMapIsAnEqualUnmodifiableValue() throws Exception {
    java.util.HashMap<String, Integer> sources =
        new java.util.HashMap<>(Map.of("10.244.1.2", 1, "10.244.1.3", 0));
    NodeProgram adopted =
        NodeProgram.adopting("n1", 3, sources, Map.of(), Map.of(), List.of(), List.of(), List.of());
    NodeProgram copied =
        new NodeProgram(
            "n1",
            3,
            Map.of("10.244.1.2", 1, "10.244.1.3", 0),
            Map.of(),
            Map.of(),
            List.of(),
            List.of());

    assertEquals(copied, adopted);
    assertEquals(copied.hashCode(), adopted.hashCode());
    org.junit.jupiter.api.Assertions.assertTrue(
        adopted.sameStateAs(copied) && copied.sameStateAs(adopted));
    org.junit.jupiter.api.Assertions.assertThrows(
        UnsupportedOperationException.class, () -> adopted.sources().put("10.244.1.4", 1));
    org.junit.jupiter.api.Assertions.assertThrows(
        UnsupportedOperationException.class,
        () -> adopted.sources().entrySet().iterator().next().setValue(5));
    assertEquals(copied, adopted.withGeneration(3), "withGeneration keeps it");
    assertEquals(copied, JSON.readValue(JSON.writeValueAsString(adopted), NodeProgram.class));
    org.junit.jupiter.api.Assertions.assertThrows(
        NullPointerException.class,
        () -> {
          java.util.HashMap<String, Integer> withNull = new java.util.HashMap<>();
          withNull.put("10.244.1.9", null);
          NodeProgram.adopting(
              "n1", 1, withNull, Map.of(), Map.of(), List.of(), List.of(), List.of());
        });
  }
}

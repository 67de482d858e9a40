package io.egressgw.program;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Deltas between two programs of a node: exact, small, and only applicable to their base. */
class ProgramDeltaTest {
  private static NodeProgram gateway(long generation, int pods) {
    Map<String, Integer> sources = new HashMap<>();
    for (int i = 0; i < pods; i++) {
      sources.put("10.244." + (i / 250) + "." + (i % 250 + 1), 1);
    }
    return new NodeProgram(
        "w1",
        generation,
        sources,
        Map.of(1, List.of(new Route("203.0.113.0/24", 1))),
        Map.of(1, new Egress(1, "egress", "192.168.1.100", "w1", "192.168.1.11")),
        List.of("192.168.1.100"),
        List.of("203.0.113.0/24"));
  }

  @Test
  void onePodMoreOnABigGatewayIsOneEntry() throws Exception {
    NodeProgram before = gateway(7, 10_000);
    Map<String, Integer> sources = new HashMap<>(before.sources());
    sources.put("10.245.0.1", 1);
    NodeProgram after =
        new NodeProgram(
            "w1",
            8,
            sources,
            before.ruleSets(),
            before.egresses(),
            before.floatingIPs(),
            before.guardedPrefixes());

    ProgramDelta d = ProgramDelta.between(before, after);

    assertEquals(Map.of("10.245.0.1", 1), d.sourcesSet());
    assertEquals(List.of(), d.sourcesRemoved());
    assertNull(d.ruleSets(), "unchanged parts are not sent");
    assertNull(d.egresses());
    assertNull(d.floatingIPs());
    assertNull(d.guardedPrefixes());
    assertNull(d.excludedPrefixes());
    ObjectMapper json = new ObjectMapper();
    byte[] wire = json.writeValueAsBytes(d);
    assertTrue(wire.length < 400, "wire size " + wire.length);
    assertTrue(
        json.writeValueAsBytes(after).length > 100 * wire.length, "the full program is far bigger");
    NodeProgram rebuilt = json.readValue(wire, ProgramDelta.class).applyTo(before);
    assertTrue(rebuilt.sameStateAs(after));
    assertEquals(8, rebuilt.generation());
  }

  @Test
  void changedExcludedPrefixesTravelAndRebuildTheTarget() throws Exception {
    NodeProgram before = gateway(7, 3);
    NodeProgram after =
        new NodeProgram(
            "w1",
            8,
            before.sources(),
            before.ruleSets(),
            before.egresses(),
            before.floatingIPs(),
            before.guardedPrefixes(),
            List.of("10.10.0.0/16", "192.168.1.12/32"));

    ProgramDelta d = ProgramDelta.between(before, after);

    assertEquals(List.of("10.10.0.0/16", "192.168.1.12/32"), d.excludedPrefixes());
    assertNull(d.guardedPrefixes());
    ObjectMapper json = new ObjectMapper();
    NodeProgram rebuilt =
        json.readValue(json.writeValueAsBytes(d), ProgramDelta.class).applyTo(before);
    assertTrue(rebuilt.sameStateAs(after));
  }

  @Test
  void randomChangesRebuildTheTargetExactly() throws Exception {
    Random random = new Random(42);
    ObjectMapper json = new ObjectMapper();
    NodeProgram base = gateway(1, 50);
    for (int round = 0; round < 200; round++) {
      Map<String, Integer> sources = new HashMap<>(base.sources());
      for (int k = 0; k < 5; k++) {
        String ip = "10.244.0." + (1 + random.nextInt(80));
        switch (random.nextInt(3)) {
          case 0 -> sources.remove(ip);
          case 1 -> sources.put(ip, random.nextInt(3));
          default -> sources.put(ip, 1);
        }
      }
      boolean moveIp = random.nextInt(4) == 0;
      NodeProgram target =
          new NodeProgram(
              "w1",
              base.generation() + 1,
              sources,
              random.nextBoolean()
                  ? base.ruleSets()
                  : Map.of(2, List.of(new Route("198.51.100.0/24", 2))),
              base.egresses(),
              moveIp ? List.of() : base.floatingIPs(),
              random.nextBoolean() ? base.guardedPrefixes() : List.of("198.51.100.0/24"),
              random.nextBoolean() ? base.excludedPrefixes() : List.of("10.10.0.0/16"));

      ProgramDelta d =
          json.readValue(
              json.writeValueAsBytes(ProgramDelta.between(base, target)), ProgramDelta.class);
      NodeProgram rebuilt = d.applyTo(base);

      assertTrue(rebuilt.sameStateAs(target), "round " + round);
      assertEquals(target.generation(), rebuilt.generation());
      base = rebuilt;
    }
  }

  @Test
  void applyingADeltaLeavesItsBaseAsItWasForTheAgentToKeepUntilTheApplySucceeds() {
    NodeProgram base = gateway(1, 50).withPersistentSources();
    Map<String, Integer> before = new HashMap<>(base.sources());
    Map<String, Integer> sources = new HashMap<>(before);
    sources.remove("10.244.0.2");
    sources.put("10.244.0.200", 2);
    NodeProgram target =
        new NodeProgram(
            "w1",
            2,
            sources,
            base.ruleSets(),
            base.egresses(),
            base.floatingIPs(),
            base.guardedPrefixes(),
            base.excludedPrefixes());

    NodeProgram next = ProgramDelta.between(base, target).applyTo(base);

    assertTrue(next.sameStateAs(target));
    assertEquals(before, base.sources(), "the base's sources are untouched");
    assertTrue(next.sources() instanceof PersistentMap<String, Integer>, "shared, not copied");
    assertSame(next, next.withPersistentSources());
  }

  @Test
  void aDeltaAppliesOnlyToItsBase() {
    NodeProgram g1 = gateway(1, 3);
    NodeProgram g2 = gateway(2, 4);
    ProgramDelta d = ProgramDelta.between(g1, g2);

    assertThrows(IllegalArgumentException.class, () -> d.applyTo(g2), "another generation");
    assertThrows(IllegalArgumentException.class, () -> d.applyTo(null), "no program held");
    assertThrows(
        IllegalArgumentException.class,
        () -> d.applyTo(NodeProgram.empty("w2", 1)),
        "another node's program");
    assertThrows(
        IllegalArgumentException.class, () -> ProgramDelta.between(g1, NodeProgram.empty("w2", 2)));
  }
}

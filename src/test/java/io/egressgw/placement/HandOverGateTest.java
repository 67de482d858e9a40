package io.egressgw.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * A planned hand-over waits for the standby's replicated state, at most a bounded time; a failure
 * never waits (issue 13).
 */
class HandOverGateTest {
  static final String IP = "192.168.1.100";
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Map<String, String> STANDBYS_BEFORE = Map.of(IP, "w2");

  /** Placement's answer to w1 draining: IP moves to its standby w2, w3 is the new standby. */
  static PlacementResult handOver(String cause) {
    return new PlacementResult(
        Map.of(IP, "w2"),
        Map.of(),
        List.of(new FloatingIpMove(IP, "w1", "w2", "node w1 drains", cause)),
        Map.of(IP, "w3"));
  }

  final HandOverGate gate = new HandOverGate(Duration.ofSeconds(3));
  static final BiPredicate<String, String> NOT_READY = (ip, node) -> false;

  @Test
  void aCordonedHolderKeepsTheIpUntilTheStandbyHoldsItsState() {
    HandOverGate.Outcome waiting =
        gate.apply(handOver("Cordoned"), STANDBYS_BEFORE, NOT_READY, n -> true, T0);

    assertEquals(Map.of(IP, "w1"), waiting.result().assignment());
    assertEquals(Map.of(IP, "w2"), waiting.result().standbys());
    assertTrue(waiting.result().moves().isEmpty());
    assertEquals(Map.of(IP, "w2"), waiting.held());
    assertEquals(Optional.of(T0.plusSeconds(3)), waiting.deadline());
    assertTrue(gate.holding());

    HandOverGate.Outcome ready =
        gate.apply(
            handOver("Cordoned"),
            STANDBYS_BEFORE,
            (ip, node) -> node.equals("w2"),
            n -> true,
            T0.plusMillis(200));

    assertEquals(Map.of(IP, "w2"), ready.result().assignment());
    assertEquals(1, ready.result().moves().size());
    assertTrue(ready.late().isEmpty());
    assertTrue(!gate.holding());
  }

  @Test
  void aHolderWhoseUplinkIsDownHandsOverAtOnceWithoutTheStandbysState() {
    HandOverGate.Outcome outcome =
        gate.apply(
            handOver(NodeDrain.UPLINK_DOWN.cause()), STANDBYS_BEFORE, NOT_READY, n -> true, T0);

    assertEquals(Map.of(IP, "w2"), outcome.result().assignment());
    assertEquals(1, outcome.result().moves().size());
    assertTrue(outcome.held().isEmpty());
    assertTrue(!gate.holding(), "nothing waits: the old holder forwards nothing meanwhile");
    assertTrue(!NodeDrain.UPLINK_DOWN.waitsForStandby());
    assertTrue(NodeDrain.CORDONED.waitsForStandby());
  }

  @Test
  void aHandOverThatWaitedItsTimeMovesAnywayAndIsReportedLate() {
    gate.apply(handOver("AgentDraining"), STANDBYS_BEFORE, NOT_READY, n -> true, T0);
    HandOverGate.Outcome early =
        gate.apply(
            handOver("AgentDraining"), STANDBYS_BEFORE, NOT_READY, n -> true, T0.plusMillis(2999));
    HandOverGate.Outcome late =
        gate.apply(
            handOver("AgentDraining"), STANDBYS_BEFORE, NOT_READY, n -> true, T0.plusSeconds(3));

    assertEquals(Map.of(IP, "w1"), early.result().assignment(), "still within the wait");
    assertEquals(Map.of(IP, "w2"), late.result().assignment());
    assertEquals(1, late.late().size());
  }

  @Test
  void aFailureOrAMoveToANodeWithoutStateOrWithoutReplicationNeverWaits() {
    PlacementResult failover =
        new PlacementResult(
            Map.of(IP, "w2"),
            Map.of(),
            List.of(new FloatingIpMove(IP, "w1", "w2", "node w1 is down")),
            Map.of(IP, "w3"));
    HandOverGate.Outcome failed = gate.apply(failover, STANDBYS_BEFORE, NOT_READY, n -> true, T0);
    HandOverGate.Outcome noStandby =
        gate.apply(handOver("Drained"), Map.of(), NOT_READY, n -> true, T0);
    HandOverGate.Outcome replicationOff =
        gate.apply(handOver("Drained"), STANDBYS_BEFORE, NOT_READY, n -> !n.equals("w2"), T0);

    for (HandOverGate.Outcome o : List.of(failed, noStandby, replicationOff)) {
      assertEquals(Map.of(IP, "w2"), o.result().assignment());
      assertTrue(o.held().isEmpty());
    }
  }
}

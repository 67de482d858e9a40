package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.program.NodeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Liveness verdicts from heartbeat times (window 300 ms = 3 x 100 ms), table-driven. */
class AgentLivenessTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static NodeReport report(String node) {
    return new NodeReport(
        node, "agent-1", "192.168.1.11", List.of("192.168.1.11/24"), 0, List.of(), Map.of(), 0);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("never heard of, no grace", null, null, 0, false),
        Arguments.of("heartbeat just now", 0L, null, 0, true),
        Arguments.of("last heartbeat 299 ms ago", 0L, null, 299, true),
        Arguments.of("last heartbeat 300 ms ago (three missed)", 0L, null, 300, false),
        Arguments.of("never heard of, leader for 100 ms (grace)", null, 0L, 100, true),
        Arguments.of("never heard of, grace over", null, 0L, 300, false),
        Arguments.of("old heartbeat before leadership, within grace", -5000L, 0L, 200, true),
        Arguments.of("heartbeat after leadership start counts from itself", 250L, 0L, 500, true),
        Arguments.of("heartbeat after leadership start, then silence", 250L, 0L, 551, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void verdict(String description, Long heartbeatAt, Long leaderAt, long nowAt, boolean alive) {
    AgentLiveness liveness = new AgentLiveness(Duration.ofMillis(300));
    if (leaderAt != null) {
      liveness.startGrace(T0.plusMillis(leaderAt));
    }
    if (heartbeatAt != null) {
      liveness.heartbeat(report("w1"), T0.plusMillis(heartbeatAt));
    }
    assertEquals(alive, liveness.alive("w1", T0.plusMillis(nowAt)));
  }

  static NodeReport leasedReport(String node, long silentAfterMillis) {
    return new NodeReport(
        node,
        "agent-1",
        "192.168.1.11",
        List.of("192.168.1.11/24"),
        0,
        List.of("192.168.1.100"),
        Map.of(),
        0,
        Map.of(),
        null,
        Map.of(),
        silentAfterMillis,
        false);
  }

  static Stream<Arguments> leaseCases() {
    return Stream.of(
        // lease 250 ms + heartbeat 100 ms: its IPs may answer until 350 ms; + 25 ms margin
        Arguments.of("silent after 350 ms, 374 ms ago", 350L, 374L, true),
        Arguments.of("silent after 350 ms, 375 ms ago", 350L, 375L, false),
        Arguments.of("silent after 100 ms: the miss window still rules", 100L, 299L, true),
        Arguments.of("silent after 100 ms, 300 ms ago", 100L, 300L, false),
        Arguments.of("older agent (0: unknown): the miss window", 0L, 300L, false));
  }

  /** A node is Down only once its floating IPs have surely fallen silent (lease + interval). */
  @ParameterizedTest(name = "{0}")
  @MethodSource("leaseCases")
  void aNodeIsDownOnlyOnceItsLeaseHasSurelyRunOut(
      String description, long silentAfter, long nowAt, boolean alive) {
    AgentLiveness liveness = new AgentLiveness(Duration.ofMillis(300));
    liveness.heartbeat(leasedReport("w1", silentAfter), T0);
    assertEquals(alive, liveness.alive("w1", T0.plusMillis(nowAt)));
  }

  @Test
  void sweepReportsEachTransitionOnceWithTheLastHeartbeat() {
    AgentLiveness liveness = new AgentLiveness(Duration.ofMillis(300));
    liveness.heartbeat(report("w1"), T0);
    assertEquals(List.of(), liveness.sweep(List.of("w1"), T0.plusMillis(10)));
    assertEquals(
        List.of(new AgentLiveness.Transition("w1", false, T0)),
        liveness.sweep(List.of("w1"), T0.plusMillis(300)));
    assertEquals(List.of(), liveness.sweep(List.of("w1"), T0.plusMillis(400)));
    liveness.heartbeat(report("w1"), T0.plusMillis(500));
    assertEquals(
        List.of(new AgentLiveness.Transition("w1", true, T0.plusMillis(500))),
        liveness.sweep(List.of("w1"), T0.plusMillis(510)));
  }

  @Test
  void graceEndsOneWindowAfterLeadershipStarts() {
    AgentLiveness liveness = new AgentLiveness(Duration.ofMillis(300));
    liveness.startGrace(T0);
    assertEquals(true, liveness.inGrace(T0.plusMillis(299)));
    assertEquals(false, liveness.inGrace(T0.plusMillis(300)));
  }

  @Test
  void aNodeBackFromALongSilenceIsUpOnlyOnceHeardSteadilyForAWindow() {
    AgentLiveness liveness = upThenDownAt400Ms();
    List<String> nodes = List.of("w1");

    // the agent restarts 5 s later: one heartbeat during its start-up, then 1.2 s of silence
    liveness.heartbeat(report("w1"), T0.plusMillis(5000));
    assertEquals(List.of(), liveness.sweep(nodes, T0.plusMillis(5010)), "not Up on one heartbeat");
    assertEquals(false, liveness.alive("w1", T0.plusMillis(5010)));
    liveness.heartbeat(report("w1"), T0.plusMillis(6200));
    for (long t = 6300; t < 6500; t += 100) {
      liveness.heartbeat(report("w1"), T0.plusMillis(t));
      assertEquals(List.of(), liveness.sweep(nodes, T0.plusMillis(t + 5)), "heard for " + t);
    }
    liveness.heartbeat(report("w1"), T0.plusMillis(6500));
    assertEquals(
        List.of(true), alive(liveness.sweep(nodes, T0.plusMillis(6505))), "one window steady");
  }

  @Test
  void aNodeHeardAgainAfterAShortSilenceIsUpAtOnce() {
    // late heartbeats of a loaded node ("Down together" holds it): not a restart
    AgentLiveness liveness = upThenDownAt400Ms();
    List<String> nodes = List.of("w1");

    liveness.heartbeat(report("w1"), T0.plusMillis(430));

    assertEquals(List.of(true), alive(liveness.sweep(nodes, T0.plusMillis(435))));
  }

  @Test
  void aNodeNeverJudgedIsUpOnItsFirstHeartbeat() {
    AgentLiveness liveness = new AgentLiveness(Duration.ofMillis(300));
    liveness.heartbeat(report("w1"), T0);
    assertEquals(true, liveness.alive("w1", T0.plusMillis(1)));
  }

  /** w1 heard at 0, judged Up, then Down at 400 ms (three heartbeats missed). */
  private static AgentLiveness upThenDownAt400Ms() {
    AgentLiveness liveness = new AgentLiveness(Duration.ofMillis(300));
    liveness.heartbeat(report("w1"), T0);
    liveness.sweep(List.of("w1"), T0);
    assertEquals(List.of(false), alive(liveness.sweep(List.of("w1"), T0.plusMillis(400))), "Down");
    return liveness;
  }

  private static List<Boolean> alive(List<AgentLiveness.Transition> transitions) {
    return transitions.stream().map(AgentLiveness.Transition::alive).toList();
  }
}

package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.program.NodeProgram;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Generations, long-poll wake-ups and acknowledgements of the per-node program store. */
class ProgramDistributorTest {
  private static final long EPOCH = 1_000_000;

  static NodeProgram holding(String node, String... ips) {
    return new NodeProgram(node, 0, Map.of(), Map.of(), Map.of(), List.of(ips));
  }

  @Test
  void generationIncreasesOnlyWhenTheStateChanges() {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    assertEquals(List.of("w1"), d.publish(Map.of("w1", holding("w1", "192.168.1.100"))));
    assertEquals(EPOCH + 1, d.program("w1").orElseThrow().generation());
    assertEquals(List.of(), d.publish(Map.of("w1", holding("w1", "192.168.1.100"))));
    assertEquals(EPOCH + 1, d.program("w1").orElseThrow().generation());
    d.publish(Map.of("w1", holding("w1")));
    assertEquals(EPOCH + 2, d.program("w1").orElseThrow().generation());
  }

  /**
   * Rollout latency: from the earliest change the agent has not acknowledged to its acknowledging
   * the current program; one sample per rollout, none for a publish that changes nothing.
   */
  @Test
  void aRolloutIsMeasuredFromTheFirstUnacknowledgedChangeToTheAcknowledgementOfTheLast() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    List<Long> samples = new java.util.ArrayList<>();
    ProgramDistributor d = new ProgramDistributor(now::get);
    d.onRolledOut(samples::add);
    d.reset(EPOCH);

    d.publish(Map.of("w1", holding("w1", "192.168.1.100")));
    long first = d.program("w1").orElseThrow().generation();
    now.set(100);
    d.publish(Map.of("w1", holding("w1", "192.168.1.100", "192.168.1.101")));
    long second = d.program("w1").orElseThrow().generation();
    now.set(150);
    d.acknowledge("w1", "agent-1", first); // the superseded program: not rolled out yet
    assertEquals(List.of(), samples);

    now.set(300);
    d.acknowledge("w1", "agent-1", second);
    d.acknowledge("w1", "agent-1", second); // the next heartbeat says it again: no second sample
    assertEquals(List.of(300L), samples);

    d.publish(Map.of("w1", holding("w1", "192.168.1.100", "192.168.1.101"))); // no change
    now.set(400);
    d.publish(Map.of("w1", holding("w1")));
    now.set(450);
    d.acknowledgePoll("w1", d.program("w1").orElseThrow().generation());
    assertEquals(List.of(300L, 50L), samples);
  }

  @Test
  void aWaitingPollIsAnsweredByTheNextPublish() throws Exception {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    CompletableFuture<Optional<NodeProgram>> poll = d.await("w1", 0, Duration.ofSeconds(10));
    assertFalse(poll.isDone());
    d.publish(Map.of("w1", holding("w1", "192.168.1.100")));
    assertEquals(
        List.of("192.168.1.100"), poll.get(1, TimeUnit.SECONDS).orElseThrow().floatingIPs());
    assertEquals(0, d.waiting());
  }

  @Test
  void aPollWithNothingNewTimesOutEmpty() throws Exception {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    d.publish(Map.of("w1", holding("w1")));
    long current = d.program("w1").orElseThrow().generation();
    CompletableFuture<Optional<NodeProgram>> poll = d.await("w1", current, Duration.ofMillis(50));
    assertEquals(Optional.empty(), poll.get(2, TimeUnit.SECONDS));
    assertEquals(0, d.waiting());
  }

  @Test
  void thePollForTheNextProgramAcknowledgesTheAppliedOne() {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    d.acknowledge("w1", "agent-1", 0);
    d.publish(Map.of("w1", holding("w1", "192.168.1.100")));
    long g = d.program("w1").orElseThrow().generation();
    assertFalse(d.programmed("w1"));

    assertTrue(d.acknowledgePoll("w1", g), "the poll after applying g moves the acknowledgement");
    assertTrue(d.programmed("w1"));
    assertFalse(d.acknowledgePoll("w1", g), "the same generation again: nothing moved");
  }

  @Test
  void aHeartbeatOvertakenByThePollDoesNotUnacknowledge() {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    d.publish(Map.of("w1", holding("w1", "192.168.1.100")));
    long g1 = d.program("w1").orElseThrow().generation();
    d.acknowledge("w1", "agent-1", g1);
    d.publish(Map.of("w1", holding("w1")));
    long g2 = d.program("w1").orElseThrow().generation();
    d.acknowledgePoll("w1", g2);

    d.acknowledge("w1", "agent-1", g1); // built before the apply, arrived after the poll

    assertTrue(d.programmed("w1"));
    assertEquals(g2, d.ack("w1").orElseThrow().appliedGeneration());
  }

  @Test
  void aRestartedAgentGetsTheCurrentProgramAtOnce() throws Exception {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    d.publish(Map.of("w1", holding("w1", "192.168.1.100")));
    long g = d.program("w1").orElseThrow().generation();
    d.acknowledge("w1", "agent-1", g);
    assertTrue(d.programmed("w1"));
    // New process: appliedGeneration 0.
    d.acknowledge("w1", "agent-2", 0);
    assertFalse(d.programmed("w1"));
    assertEquals(
        g,
        d.await("w1", 0, Duration.ofSeconds(1))
            .get(1, TimeUnit.SECONDS)
            .orElseThrow()
            .generation());
  }

  @Test
  void anAgentAheadOfANewLeaderIsRenumberedAbove() throws Exception {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    d.publish(Map.of("w1", holding("w1", "192.168.1.100")));
    // The agent applied generation EPOCH + 50 from a previous leader with a faster clock.
    d.acknowledge("w1", "agent-1", EPOCH + 50);
    NodeProgram p =
        d.await("w1", EPOCH + 50, Duration.ofSeconds(1)).get(1, TimeUnit.SECONDS).orElseThrow();
    assertEquals(EPOCH + 51, p.generation());
    assertEquals(List.of("192.168.1.100"), p.floatingIPs());
  }

  @Test
  void leadershipLossFailsWaitingPolls() {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    CompletableFuture<Optional<NodeProgram>> poll = d.await("w1", 0, Duration.ofSeconds(10));
    d.stop();
    assertTrue(poll.isCompletedExceptionally());
  }

  /**
   * An agent that acknowledges Long.MAX_VALUE (a lie, or a corrupted pinned map) must not wrap the
   * node's generation around to a negative number, nor count as programmed: this leader never
   * issued that generation (issue 15).
   */
  @Test
  void anAcknowledgedGenerationOfLongMaxValueNeitherOverflowsNorCountsAsProgrammed() {
    ProgramDistributor d = new ProgramDistributor();
    d.reset(EPOCH);
    d.publish(Map.of("w1", holding("w1", "192.168.1.100")));

    d.acknowledge("w1", "agent-1", Long.MAX_VALUE);
    d.publish(Map.of("w1", holding("w1")));
    d.acknowledge("w2", "agent-2", Long.MAX_VALUE);
    d.publish(Map.of("w2", holding("w2")));

    assertTrue(d.program("w1").orElseThrow().generation() > EPOCH);
    assertTrue(d.program("w2").orElseThrow().generation() > EPOCH);
    assertFalse(d.programmed("w1"), "a generation never issued acknowledged the program");
    assertFalse(d.programmed("w2"), "a generation never issued acknowledged the program");
    CompletableFuture<Optional<NodeProgram>> poll =
        d.await("w1", Long.MAX_VALUE, Duration.ofMillis(10));
    assertTrue(d.program("w1").orElseThrow().generation() > EPOCH);
    assertFalse(poll.isCompletedExceptionally());
  }
}

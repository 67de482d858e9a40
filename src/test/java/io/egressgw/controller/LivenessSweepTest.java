package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The liveness sweep in the bad moments of the controller itself (issue #12): a controller paused
 * for a second moves nothing, and losing every node at once freezes failover instead of moving
 * every floating IP. Time is a {@link ManualClock}; sweeps run every 25 ms as in production.
 */
class LivenessSweepTest {
  private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
  private static final List<String> NODES = List.of("w1", "w2", "w3", "w4");

  private final ManualClock clock = new ManualClock(T0);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final LivenessSettings settings = settings();
  private final ChannelState state = new ChannelState(settings);
  private final Leadership leadership = new Leadership();
  private final LivenessSweep sweep =
      new LivenessSweep(state, leadership, new ControllerMetrics(registry), clock, settings);

  static LivenessSettings settings() {
    return new LivenessSettings() {
      @Override
      public Duration interval() {
        return Duration.ofMillis(100);
      }

      @Override
      public int missCount() {
        return 3;
      }

      @Override
      public Duration checkInterval() {
        return Duration.ofMillis(25);
      }

      @Override
      public Duration stallThreshold() {
        return Duration.ofMillis(150);
      }

      @Override
      public Duration leaderGrace() {
        return Duration.ofMillis(300);
      }

      @Override
      public double maxDownShare() {
        return 0.5;
      }

      @Override
      public Duration massFailureWindow() {
        return Duration.ofSeconds(2);
      }
    };
  }

  @BeforeEach
  void leading() {
    leadership.started(T0.minusSeconds(10));
    state.liveness().startGrace(T0.minusSeconds(10));
    sweep.leadershipStarted();
  }

  private void heartbeat(String... nodes) {
    for (String n : nodes) {
      state.liveness().heartbeat(AgentLivenessTest.report(n), clock.instant());
    }
  }

  /** Sweeps every 25 ms for {@code duration}, heartbeating {@code alive} every 100 ms. */
  private void run(Duration duration, String... alive) {
    for (long t = 0; t < duration.toMillis(); t += 25) {
      clock.advance(Duration.ofMillis(25));
      if (t % 100 == 0) {
        heartbeat(alive);
      }
      sweep.sweep(NODES);
    }
  }

  private long down() {
    return NODES.stream().filter(n -> !state.liveness().alive(n, clock.instant())).count();
  }

  @Test
  void aControllerPausedForOneSecondDeclaresNobodyDown() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");
    assertThat(down()).isZero();

    // Paused (SIGSTOP, a long GC): no sweep and no heartbeat read for one second.
    clock.advance(Duration.ofSeconds(1));
    sweep.sweep(NODES);

    assertThat(sweep.pendingFailovers()).isEmpty();
    assertThat(down()).isZero();
    assertThat(registry.get("egressgw.controller.stalls").counter().count()).isEqualTo(1.0);
    // The queued heartbeats are read now, and everything carries on.
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofSeconds(1), "w1", "w2", "w3", "w4");
    assertThat(sweep.pendingFailovers()).isEmpty();
  }

  @Test
  void aNodeThatReallyDiedDuringThePauseIsDeclaredDownOneWindowLater() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");

    clock.advance(Duration.ofSeconds(1));
    sweep.sweep(NODES);
    assertThat(sweep.pendingFailovers()).isEmpty();
    heartbeat("w1", "w2", "w3");
    run(Duration.ofMillis(300), "w1", "w2", "w3");

    assertThat(sweep.pendingFailovers()).containsOnlyKeys("w4");
    assertThat(sweep.heldByFreeze()).isEmpty();
  }

  @Test
  void recurringStallsStillDeclareADeadNodeDown() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");

    // w4 dies; the controller stalls 200 ms out of every 400 ms (from a cold review).
    for (int i = 0; i < 10 && sweep.pendingFailovers().isEmpty(); i++) {
      clock.advance(Duration.ofMillis(200));
      heartbeat("w1", "w2", "w3");
      sweep.sweep(NODES);
      run(Duration.ofMillis(200), "w1", "w2", "w3");
    }

    assertThat(sweep.pendingFailovers()).containsOnlyKeys("w4");
  }

  @Test
  void deletingTheDeadNodesLiftsTheFreeze() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");
    run(Duration.ofMillis(600), "w1");
    assertThat(sweep.heldByFreeze()).containsExactlyInAnyOrder("w2", "w3", "w4");

    // The operator deletes the three dead Nodes.
    for (int t = 0; t < 3000; t += 25) {
      clock.advance(Duration.ofMillis(25));
      if (t % 100 == 0) {
        heartbeat("w1");
      }
      sweep.sweep(List.of("w1"));
    }

    assertThat(sweep.heldByFreeze()).isEmpty();
    assertThat(registry.get("egressgw.failover.frozen").gauge().value()).isZero();
  }

  @Test
  void nodesDeletedWhileUpDoNotTurnOneFailureIntoAMassFailure() {
    List<String> all = List.of("w1", "w2", "w3", "w4", "g1", "g2", "g3");
    for (int t = 0; t < 200; t += 25) {
      clock.advance(Duration.ofMillis(25));
      if (t % 100 == 0) {
        heartbeat(all.toArray(String[]::new));
      }
      sweep.sweep(all);
    }
    // g1..g3 are deleted while Up (their agents stop with them); then w4 dies.
    run(Duration.ofMillis(600), "w1", "w2", "w3");

    assertThat(sweep.pendingFailovers()).containsOnlyKeys("w4");
    assertThat(sweep.heldByFreeze()).isEmpty();
  }

  @Test
  void oneNodeDownIsFailedOverAndNothingIsHeld() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");

    run(Duration.ofMillis(500), "w1", "w2", "w3");

    assertThat(sweep.pendingFailovers()).containsOnlyKeys("w4");
    assertThat(sweep.heldByFreeze()).isEmpty();
    assertThat(registry.get("egressgw.failover.frozen").gauge().value()).isZero();
  }

  @Test
  void twoNodesDownTogetherAreHeldOneWindowThenFailedOverIfStillSilent() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");

    // w3 and w4 fall silent together (a machine too loaded to send their heartbeats in time)
    run(Duration.ofMillis(400), "w1", "w2");
    assertThat(sweep.heldForConfirmation()).containsExactlyInAnyOrder("w3", "w4");
    assertThat(sweep.heldByFreeze()).as("not a mass failure").isEmpty();

    // still silent a miss window later: released, and placement fails them over
    run(Duration.ofMillis(300), "w1", "w2");
    assertThat(sweep.heldForConfirmation()).isEmpty();
    assertThat(sweep.pendingFailovers()).containsOnlyKeys("w3", "w4");
  }

  @Test
  void twoNodesDownTogetherThatAreHeardAgainAreReleasedWithNothingMoved() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");
    run(Duration.ofMillis(400), "w1", "w2");
    assertThat(sweep.heldForConfirmation()).containsExactlyInAnyOrder("w3", "w4");

    run(Duration.ofMillis(100), "w1", "w2", "w3", "w4");

    assertThat(sweep.heldForConfirmation()).isEmpty();
    assertThat(down()).isZero();
  }

  @Test
  void losingEveryNodeAtOnceFreezesFailover() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");

    // The controller's own link breaks: nobody is heard any more, sweeps go on.
    run(Duration.ofMillis(600));

    assertThat(down()).isEqualTo(4);
    assertThat(sweep.heldByFreeze()).containsExactlyInAnyOrder("w1", "w2", "w3", "w4");
    assertThat(registry.get("egressgw.failover.frozen").gauge().value()).isEqualTo(1.0);

    // The link comes back: every node is released, the guard lifts after the settle time.
    run(Duration.ofMillis(2100), "w1", "w2", "w3", "w4");
    assertThat(sweep.heldByFreeze()).isEmpty();
    assertThat(registry.get("egressgw.failover.frozen").gauge().value()).isZero();
  }

  /**
   * A new leadership starts clean: a freeze and failovers recorded by an earlier leadership of this
   * replica do not carry over (they would hold nodes, or time a failover from a heartbeat seen long
   * ago). The reset runs on the liveness thread at the next sweep.
   */
  @Test
  void aNewLeadershipForgetsTheFreezeAndPendingFailoversOfTheOldOne() {
    heartbeat("w1", "w2", "w3", "w4");
    run(Duration.ofMillis(200), "w1", "w2", "w3", "w4");
    run(Duration.ofMillis(600));
    assertThat(sweep.heldByFreeze()).isNotEmpty();
    assertThat(sweep.pendingFailovers()).isNotEmpty();

    leadership.stopped();
    leadership.started(clock.instant());
    state.liveness().startGrace(clock.instant());
    sweep.leadershipStarted();
    assertThat(sweep.heldByFreeze()).as("reset waits for the liveness thread").isNotEmpty();

    clock.advance(Duration.ofMillis(25));
    sweep.sweep(NODES);

    assertThat(sweep.heldByFreeze()).isEmpty();
    assertThat(sweep.pendingFailovers()).isEmpty();
    assertThat(registry.get("egressgw.failover.frozen").gauge().value()).isZero();
  }
}

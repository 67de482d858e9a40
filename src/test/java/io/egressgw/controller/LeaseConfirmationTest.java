package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Reclaims are answered only while the Lease was recently read naming this replica (issue 12,
 * review #7): a replica that resumes from a pause believing it leads does not make two nodes take
 * an IP from each other. Reads run on an executor the test drives by hand.
 */
class LeaseConfirmationTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T12:00:00Z"));
  private final Queue<Runnable> pendingReads = new ArrayDeque<>();
  private final AtomicBoolean leaseNamesUs = new AtomicBoolean(true);
  private final AtomicInteger reads = new AtomicInteger();
  private final LeaseConfirmation confirmation =
      new LeaseConfirmation(
          () -> {
            reads.incrementAndGet();
            return leaseNamesUs.get();
          },
          pendingReads::add,
          clock,
          Duration.ofSeconds(1));

  private void runReads() {
    while (!pendingReads.isEmpty()) {
      pendingReads.poll().run();
    }
  }

  @Test
  void nothingIsConfirmedBeforeTheLeaseWasRead() {
    assertThat(confirmation.confirmed()).isFalse();
    assertThat(confirmation.confirmed()).as("one read at a time").isFalse();
    assertThat(pendingReads).hasSize(1);

    runReads();

    assertThat(confirmation.confirmed()).isTrue();
    assertThat(reads).hasValue(1);
  }

  @Test
  void aReplicaResumingFromAPauseRereadsTheLeaseAndFindsAnotherHolder() {
    confirmation.confirmed();
    runReads();
    assertThat(confirmation.confirmed()).isTrue();

    clock.advance(Duration.ofSeconds(5)); // paused; meanwhile another replica took the Lease
    leaseNamesUs.set(false);

    assertThat(confirmation.confirmed()).as("the old confirmation is too old").isFalse();
    runReads();
    assertThat(confirmation.confirmed()).isFalse();
    runReads();
    assertThat(reads).hasValue(3);
  }

  @Test
  void aFailedReadConfirmsNothingAndIsRetriedOnTheNextAsk() {
    LeaseConfirmation failing =
        new LeaseConfirmation(
            () -> {
              throw new IllegalStateException("API server unreachable");
            },
            pendingReads::add,
            clock,
            Duration.ofSeconds(1));
    assertThat(failing.confirmed()).isFalse();
    runReads();
    assertThat(failing.confirmed()).isFalse();
    assertThat(pendingReads).as("a new read was started").hasSize(1);
  }

  @Test
  void aLeadershipChangeForgetsTheConfirmation() {
    confirmation.confirmed();
    runReads();
    confirmation.reset();
    assertThat(confirmation.confirmed()).isFalse();
  }
}

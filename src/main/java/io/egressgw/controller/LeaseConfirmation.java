package io.egressgw.controller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Whether this replica's leadership was confirmed by the API server recently. The leader's own flag
 * can be stale: a replica paused (SIGSTOP, a long GC) while leading believes it leads until its
 * elector next fails to renew, meanwhile another replica leads. Most of its answers are then
 * harmless (agents reach the new leader through the leader Service), but a reclaim (an agent told
 * to take an IP again that another node announced) would make two nodes take an IP from each other
 * until the stale replica notices. So a reclaim is answered only while the Lease was read, less
 * than {@code maxAge} ago, naming this replica. A stale confirmation starts one read of the Lease
 * in the background and answers "not confirmed" meanwhile: the agent asks again with its next
 * heartbeat.
 */
final class LeaseConfirmation {
  private static final Logger LOG = Logger.getLogger(LeaseConfirmation.class);

  private final BooleanSupplier holdsLease;
  private final Executor reads;
  private final Clock clock;
  private final Duration maxAge;
  private final AtomicBoolean reading = new AtomicBoolean();
  private volatile Instant confirmedAt;

  /**
   * @param holdsLease reads the Lease from the API server (blocking; may throw)
   * @param reads where that read runs
   */
  LeaseConfirmation(BooleanSupplier holdsLease, Executor reads, Clock clock, Duration maxAge) {
    this.holdsLease = holdsLease;
    this.reads = reads;
    this.clock = clock;
    this.maxAge = maxAge;
  }

  /** Always confirmed: a single replica without an election. */
  static LeaseConfirmation always(Clock clock) {
    return new LeaseConfirmation(() -> true, Runnable::run, clock, Duration.ofDays(365_000));
  }

  /** True when the Lease named this replica less than maxAge ago; else starts a read, false. */
  boolean confirmed() {
    Instant at = confirmedAt;
    if (at != null && Duration.between(at, clock.instant()).compareTo(maxAge) < 0) {
      return true;
    }
    if (reading.compareAndSet(false, true)) {
      reads.execute(this::read);
    }
    return false;
  }

  private void read() {
    try {
      Instant asked = clock.instant();
      if (holdsLease.getAsBoolean()) {
        confirmedAt = asked;
      } else {
        confirmedAt = null;
        LOG.info("the Lease names another replica: reclaims are not answered");
      }
    } catch (RuntimeException e) {
      LOG.debugf("Lease not read: %s", e.getMessage());
    } finally {
      reading.set(false);
    }
  }

  /** Leadership changed: nothing confirmed before counts. */
  void reset() {
    confirmedAt = null;
  }
}

package io.egressgw.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/**
 * A clock that never steps: the wall time read once, at construction, plus the monotonic time
 * ({@link System#nanoTime()}) elapsed since. Its rate follows the kernel's monotonic clock, which
 * NTP slews but never steps, so a step of the machine's wall clock (an operator's {@code date -s},
 * a VM resumed from a snapshot, a bad NTP source) moves nothing that it measures: heartbeat ages,
 * grace periods, rollout steps, failover times. The controller's liveness verdicts come from it
 * (issue #12: "a +2 s clock step moves nothing").
 *
 * <p>The price: timestamps it gives (a condition's lastTransitionTime) differ from the wall clock
 * by the sum of the steps since the process started.
 */
public final class MonotonicClock extends Clock {
  private final Instant origin;
  private final long originNanos;
  private final LongSupplier nanoTime;

  /** Anchored at the wall clock now, running on {@link System#nanoTime()}. */
  public MonotonicClock() {
    this(Instant.now(), System::nanoTime);
  }

  /** Anchored at {@code origin}, running on {@code nanoTime} (tests drive it). */
  public MonotonicClock(Instant origin, LongSupplier nanoTime) {
    this.origin = origin;
    this.nanoTime = nanoTime;
    this.originNanos = nanoTime.getAsLong();
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(nanoTime.getAsLong() - originNanos);
  }

  @Override
  public long millis() {
    return instant().toEpochMilli();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a MonotonicClock is always UTC");
  }
}

package io.egressgw.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The monotonic clock follows elapsed monotonic time only, never the wall clock. */
class MonotonicClockTest {
  private static final Instant ORIGIN = Instant.parse("2026-11-30T12:00:00Z");

  @Test
  void itAdvancesByTheMonotonicTimeElapsedSinceItsOrigin() {
    AtomicLong nanos = new AtomicLong(5_000_000_000L);
    MonotonicClock clock = new MonotonicClock(ORIGIN, nanos::get);
    assertThat(clock.instant()).isEqualTo(ORIGIN);

    nanos.addAndGet(1_500_000L);

    assertThat(clock.instant()).isEqualTo(ORIGIN.plusNanos(1_500_000L));
    assertThat(clock.millis()).isEqualTo(ORIGIN.toEpochMilli() + 1);
  }

  @Test
  void theProductionClockIgnoresTheWallClockAfterConstruction() throws InterruptedException {
    // A wall step cannot be made on a shared machine; what can be checked is that two readings
    // differ by the monotonic time between them, measured independently.
    MonotonicClock clock = new MonotonicClock();
    long n0 = System.nanoTime();
    Instant a = clock.instant();
    Thread.sleep(20);
    Instant b = clock.instant();
    long elapsed = System.nanoTime() - n0;
    long measured = java.time.Duration.between(a, b).toNanos();
    assertThat(measured).isBetween(20_000_000L, elapsed);
  }
}

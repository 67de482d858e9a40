package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Review results are kept for a TTL and the cache never grows over its bound. */
class ReviewCacheTest {
  static final class SteppedClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void anEntryExpiresAfterItsTtl() {
    SteppedClock clock = new SteppedClock();
    ReviewCache<String> cache = new ReviewCache<>(clock, Duration.ofSeconds(5), 10);
    cache.put("t", "alice");

    clock.now = clock.now.plusSeconds(4);
    assertThat(cache.get("t")).contains("alice");
    clock.now = clock.now.plusSeconds(1);
    assertThat(cache.get("t")).isEmpty();
  }

  @Test
  void aFloodOfDistinctTokensEvictsTheLeastRecentlyUsed() {
    ReviewCache<String> cache = new ReviewCache<>(new SteppedClock(), Duration.ofMinutes(1), 100);
    cache.put("agent", "worker1");
    for (int i = 0; i < 10_000; i++) {
      cache.get("agent");
      cache.put("junk-" + i, "nobody");
    }

    assertThat(cache.size()).isEqualTo(100);
    assertThat(cache.get("agent")).contains("worker1");
    assertThat(cache.get("junk-0")).isEmpty();
  }

  @Test
  void anEntryIsDueForRefreshInTheSecondHalfOfItsTtl() {
    SteppedClock clock = new SteppedClock();
    ReviewCache<String> cache = new ReviewCache<>(clock, Duration.ofSeconds(10), 10);
    cache.put("t", "worker1");

    clock.now = clock.now.plusSeconds(4);
    assertThat(cache.dueForRefresh("t")).isFalse();
    clock.now = clock.now.plusSeconds(1);
    assertThat(cache.dueForRefresh("t")).isTrue();
    assertThat(cache.get("t")).contains("worker1");
    assertThat(cache.dueForRefresh("unknown")).isFalse();
  }
}

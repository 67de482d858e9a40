package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Per-client token buckets: burst, then the average rate, per client, bounded in clients. */
class TokenBucketsTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private void advanceMillis(long ms) {
    nanos.addAndGet(ms * 1_000_000L);
  }

  @Test
  void aClientMayBurstThenIsRefusedWithTheTimeToTheNextToken() {
    TokenBuckets buckets = new TokenBuckets(10, 3, 100, nanos::get);

    assertThat(buckets.take("10.0.0.1")).isEmpty();
    assertThat(buckets.take("10.0.0.1")).isEmpty();
    assertThat(buckets.take("10.0.0.1")).isEmpty();
    OptionalLong refused = buckets.take("10.0.0.1");

    assertThat(refused).isPresent();
    assertThat(refused.getAsLong()).isEqualTo(100_000_000L); // 10 a second: one every 100 ms
  }

  @Test
  void tokensComeBackAtTheAverageRateUpToTheBurst() {
    TokenBuckets buckets = new TokenBuckets(10, 3, 100, nanos::get);
    for (int i = 0; i < 3; i++) {
      buckets.take("c");
    }

    advanceMillis(100);
    assertThat(buckets.take("c")).isEmpty();
    assertThat(buckets.take("c")).isPresent();

    advanceMillis(60_000); // a long pause refills to the burst, not beyond
    for (int i = 0; i < 3; i++) {
      assertThat(buckets.take("c")).isEmpty();
    }
    assertThat(buckets.take("c")).isPresent();
  }

  @Test
  void clientsHaveBucketsOfTheirOwn() {
    TokenBuckets buckets = new TokenBuckets(1, 1, 100, nanos::get);

    assertThat(buckets.take("flooder")).isEmpty();
    assertThat(buckets.take("flooder")).isPresent();
    assertThat(buckets.take("operator")).isEmpty();
  }

  @Test
  void aFloodOfDistinctClientsKeepsAtMostTheBoundOfBuckets() {
    TokenBuckets buckets = new TokenBuckets(1, 1, 100, nanos::get);

    for (int i = 0; i < 10_000; i++) {
      buckets.take("10.1." + (i / 256) + "." + (i % 256));
    }

    assertThat(buckets.clients()).isEqualTo(100);
  }
}

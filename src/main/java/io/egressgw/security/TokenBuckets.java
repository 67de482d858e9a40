package io.egressgw.security;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * One token bucket per client: a client may make {@code burst} requests at once and {@code
 * perSecond} a second on average. At most {@code maxClients} buckets are kept, the least recently
 * used dropped first (a dropped client starts again with a full bucket: the bound costs accuracy
 * for clients beyond it, never memory). Time comes from a nanosecond source, so tests drive it.
 */
public final class TokenBuckets {
  private final double perNano;
  private final double burst;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<String, Bucket> buckets;

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  public TokenBuckets(double perSecond, int burst, int maxClients, LongSupplier nanoTime) {
    if (perSecond <= 0 || burst < 1 || maxClients < 1) {
      throw new IllegalArgumentException("rate, burst and clients must be positive");
    }
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.buckets =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > maxClients;
          }
        };
  }

  /**
   * Takes one token from {@code client}'s bucket: empty when the request may go ahead, else the
   * nanoseconds until the bucket holds a token again (the request is refused).
   */
  public synchronized OptionalLong take(String client) {
    long now = nanoTime.getAsLong();
    Bucket b = buckets.get(client);
    if (b == null) {
      b = new Bucket(burst, now);
      buckets.put(client, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + (now - b.at) * perNano);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return OptionalLong.empty();
    }
    return OptionalLong.of((long) Math.ceil((1 - b.tokens) / perNano));
  }

  public synchronized int clients() {
    return buckets.size();
  }
}

package io.egressgw.security;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A bounded cache of token review results, keyed by a token's hash: entries expire after a TTL and
 * the least recently used entry is evicted when the cache is full, so that a flood of distinct
 * tokens costs bounded memory (issue 15: the review cache was never evicted). One instance holds
 * successes (minutes), another failures (seconds: a negative cache, so that a junk token repeated
 * costs one review, not one per request).
 *
 * @param <V> the cached result
 */
public final class ReviewCache<V> {
  private final Clock clock;
  private final long ttlMillis;
  private final LinkedHashMap<String, Entry<V>> entries;

  private record Entry<V>(V value, long until) {}

  public ReviewCache(Clock clock, Duration ttl, int maxSize) {
    this.clock = clock;
    this.ttlMillis = ttl.toMillis();
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Entry<V>> eldest) {
            return size() > maxSize;
          }
        };
  }

  /** The cached value when present and not expired. */
  public synchronized Optional<V> get(String key) {
    Entry<V> e = entries.get(key);
    if (e == null) {
      return Optional.empty();
    }
    if (e.until() <= clock.millis()) {
      entries.remove(key);
      return Optional.empty();
    }
    return Optional.of(e.value());
  }

  /**
   * Whether the entry for {@code key} is present and in the second half of its TTL: a caller may
   * review it again in the background while still using it, so that it never expires under a client
   * that keeps using it.
   */
  public synchronized boolean dueForRefresh(String key) {
    Entry<V> e = entries.get(key);
    return e != null && e.until() - clock.millis() <= ttlMillis / 2;
  }

  public synchronized void put(String key, V value) {
    entries.put(key, new Entry<>(value, clock.millis() + ttlMillis));
  }

  public synchronized void remove(String key) {
    entries.remove(key);
  }

  public synchronized int size() {
    return entries.size();
  }
}

package io.egressgw.tracing;

import io.opentelemetry.api.trace.SpanContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The span contexts of traced Kubernetes writes whose program rollout has not started yet: the REST
 * API records one per write ({@link #record}); the controller's next program publish that sees the
 * written object in its informer cache takes it ({@link #takeVisible}) and starts its "program
 * rollout" span from it. Only sampled contexts are kept, so with tracing off (no SDK: every context
 * is invalid) this stays empty and costs one volatile read per publish.
 *
 * <p>Bounded: at most {@link #CAPACITY} writes, each for at most {@link #MAX_AGE} (a write no
 * publish ever sees, e.g. one taken by a replica that does not lead, or an object deleted before
 * the cache saw it, must not be attached to an unrelated rollout later). Thread-safe.
 */
@ApplicationScoped
public class TracedWrites {
  /** Writes kept at most; the oldest is dropped beyond. */
  public static final int CAPACITY = 64;

  /** How long a write waits at most for the publish that rolls it out. */
  public static final Duration MAX_AGE = Duration.ofMinutes(1);

  /**
   * One traced write.
   *
   * @param kind the resource's kind (class simple name, e.g. {@code EgressNATPolicy})
   * @param key the object's cache key ("namespace/name", or "name" when cluster-scoped)
   * @param resourceVersion the version the write produced; null for a delete
   * @param context the span context of the write
   * @param at when it was recorded
   */
  public record Write(
      String kind, String key, String resourceVersion, SpanContext context, Instant at) {}

  private final Deque<Write> writes = new ArrayDeque<>();
  private volatile boolean empty = true;

  /** Keeps {@code write} when its context is sampled (ignored otherwise: tracing off). */
  public void record(Write write) {
    if (!write.context().isSampled()) {
      return;
    }
    synchronized (this) {
      if (writes.size() >= CAPACITY) {
        writes.removeFirst();
      }
      writes.addLast(write);
      empty = false;
    }
  }

  /**
   * Removes and returns, oldest first, the contexts of the writes {@code visible} says the caller's
   * inputs reflect; drops writes older than {@link #MAX_AGE}. Returns an empty list at once when
   * nothing is kept.
   */
  public List<SpanContext> takeVisible(Predicate<Write> visible, Instant now) {
    if (empty) {
      return List.of();
    }
    List<SpanContext> out = new ArrayList<>();
    synchronized (this) {
      for (Iterator<Write> it = writes.iterator(); it.hasNext(); ) {
        Write w = it.next();
        if (w.at().plus(MAX_AGE).isBefore(now)) {
          it.remove();
        } else if (visible.test(w)) {
          out.add(w.context());
          it.remove();
        }
      }
      empty = writes.isEmpty();
    }
    return out;
  }

  /** Forgets every write (a new leadership compiles everything anew). */
  public synchronized void clear() {
    writes.clear();
    empty = true;
  }

  /** How many writes are kept. */
  public synchronized int size() {
    return writes.size();
  }
}

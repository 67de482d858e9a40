package io.egressgw.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TracedWritesTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static SpanContext context(int n, boolean sampled) {
    return SpanContext.create(
        String.format("%032x", n),
        String.format("%016x", n),
        sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(),
        TraceState.getDefault());
  }

  private static TracedWrites.Write write(String key, int n, Instant at) {
    return new TracedWrites.Write("EgressNATPolicy", key, "1", context(n, true), at);
  }

  @Test
  void aWriteWhoseContextIsNotSampledIsNotKept() {
    TracedWrites traced = new TracedWrites();

    traced.record(new TracedWrites.Write("EgressNATPolicy", "a", "1", context(1, false), T0));
    traced.record(
        new TracedWrites.Write("EgressNATPolicy", "b", "1", SpanContext.getInvalid(), T0));

    assertThat(traced.size()).isZero();
    assertThat(traced.takeVisible(w -> true, T0)).isEmpty();
  }

  @Test
  void onlyTheWritesTheCacheReflectsAreTakenOldestFirstTheOthersWait() {
    TracedWrites traced = new TracedWrites();
    traced.record(write("a", 1, T0));
    traced.record(write("b", 2, T0));
    traced.record(write("c", 3, T0));

    List<SpanContext> taken = traced.takeVisible(w -> !w.key().equals("b"), T0);

    assertThat(taken).containsExactly(context(1, true), context(3, true));
    assertThat(traced.takeVisible(w -> true, T0)).containsExactly(context(2, true));
    assertThat(traced.takeVisible(w -> true, T0)).isEmpty();
  }

  @Test
  void beyondItsCapacityTheOldestWriteIsDropped() {
    TracedWrites traced = new TracedWrites();
    for (int i = 1; i <= TracedWrites.CAPACITY + 1; i++) {
      traced.record(write("k" + i, i, T0));
    }

    List<SpanContext> taken = traced.takeVisible(w -> true, T0);

    assertThat(taken).hasSize(TracedWrites.CAPACITY);
    assertThat(taken.get(0)).isEqualTo(context(2, true));
  }

  @Test
  void aWriteNoPublishSawWithinItsMaxAgeIsDroppedNotAttachedToALaterRollout() {
    TracedWrites traced = new TracedWrites();
    traced.record(write("old", 1, T0));
    traced.record(write("new", 2, T0.plus(TracedWrites.MAX_AGE)));

    List<SpanContext> taken =
        traced.takeVisible(w -> true, T0.plus(TracedWrites.MAX_AGE).plusSeconds(1));

    assertThat(taken).containsExactly(context(2, true));
    assertThat(traced.size()).isZero();
  }

  @Test
  void clearForgetsEveryWrite() {
    TracedWrites traced = new TracedWrites();
    traced.record(write("a", 1, T0));

    traced.clear();

    assertThat(traced.takeVisible(w -> true, T0)).isEmpty();
  }
}

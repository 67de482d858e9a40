package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RolloutSpansTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final RolloutSpans spans = new RolloutSpans(provider.get("test"));

  @AfterEach
  void close() {
    provider.close();
  }

  private SpanContext write(String name) {
    Span s = provider.get("test").spanBuilder(name).startSpan();
    s.end();
    return s.getSpanContext();
  }

  private List<SpanData> rollouts() {
    return exporter.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(RolloutSpans.NAME))
        .toList();
  }

  @Test
  void aRolloutIsAChildOfItsFirstWriteLinksTheOthersAndEndsWhenEverythingIsPublished() {
    SpanContext first = write("first");
    SpanContext second = write("second");

    spans.compiling(List.of(first, second));
    spans.offered(3);
    spans.published(2, 41);
    spans.published(1, 40);
    assertThat(rollouts()).isEmpty();
    spans.released();

    SpanData rollout = rollouts().get(0);
    assertThat(rollout.getTraceId()).isEqualTo(first.getTraceId());
    assertThat(rollout.getParentSpanId()).isEqualTo(first.getSpanId());
    assertThat(rollout.getLinks()).extracting(LinkData::getSpanContext).containsExactly(second);
    assertThat(rollout.getAttributes().get(RolloutSpans.WRITES)).isEqualTo(2L);
    assertThat(rollout.getAttributes().get(RolloutSpans.NODES_CHANGED)).isEqualTo(3L);
    assertThat(rollout.getAttributes().get(RolloutSpans.NODES_PUBLISHED)).isEqualTo(3L);
    assertThat(rollout.getAttributes().get(RolloutSpans.GENERATION)).isEqualTo(41L);
    assertThat(rollout.getAttributes().get(RolloutSpans.ENDED)).isEqualTo("published");
    assertThat(rollout.getEvents()).hasSize(2);
  }

  @Test
  void withoutATracedWriteNothingIsStarted() {
    spans.compiling(List.of());
    spans.offered(5);
    spans.published(5, 7);
    spans.released();
    spans.abandoned();

    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void anUntracedPublishJoinsTheOpenRolloutATracedOneSupersedesIt() {
    SpanContext first = write("first");
    SpanContext second = write("second");

    spans.compiling(List.of(first));
    spans.compiling(List.of()); // an untraced change joins the rollout
    assertThat(rollouts()).isEmpty();
    spans.compiling(List.of(second));
    spans.abandoned();

    assertThat(rollouts())
        .extracting(s -> s.getAttributes().get(RolloutSpans.ENDED), SpanData::getParentSpanId)
        .containsExactly(
            tuple("superseded", first.getSpanId()), tuple("abandoned", second.getSpanId()));
  }
}

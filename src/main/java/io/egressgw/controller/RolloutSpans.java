package io.egressgw.controller;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;

/**
 * The "program rollout" span (tracing on): from the publish that compiles a traced Kubernetes write
 * until the programs it changed are all released to their nodes ({@link Rollout}'s steps included).
 *
 * <p>The span is a child of the first write it rolls out, so that a trace viewer shows it in that
 * write's trace, under the REST call (a link alone puts it in a trace of its own, which Jaeger and
 * Tempo show only as a reference); further writes compiled by the same publish are links. With no
 * traced write pending nothing is started, so with tracing off every method returns at once.
 * Reconcile thread only.
 */
final class RolloutSpans {
  static final String NAME = "program rollout";
  static final AttributeKey<Long> WRITES = AttributeKey.longKey("egressgw.rollout.writes");
  static final AttributeKey<Long> NODES_CHANGED =
      AttributeKey.longKey("egressgw.rollout.nodes_changed");
  static final AttributeKey<Long> NODES_PUBLISHED =
      AttributeKey.longKey("egressgw.rollout.nodes_published");
  static final AttributeKey<Long> GENERATION = AttributeKey.longKey("egressgw.rollout.generation");
  static final AttributeKey<String> ENDED = AttributeKey.stringKey("egressgw.rollout.ended");

  private final Tracer tracer;
  private Span open;
  private long published;
  private long generation;

  RolloutSpans(Tracer tracer) {
    this.tracer = tracer;
  }

  /**
   * A publish compiled {@code writes} (their contexts, oldest first): starts their span. None: an
   * open span goes on (the rollout it follows took in more changes). A span still open ends first
   * ({@code superseded}).
   */
  void compiling(List<SpanContext> writes) {
    if (writes.isEmpty()) {
      return;
    }
    end("superseded");
    SpanBuilder b =
        tracer
            .spanBuilder(NAME)
            .setSpanKind(SpanKind.INTERNAL)
            .setParent(Context.root().with(Span.wrap(writes.get(0))));
    writes.subList(1, writes.size()).forEach(b::addLink);
    open = b.setAttribute(WRITES, (long) writes.size()).startSpan();
    published = 0;
    generation = 0;
  }

  /** The publish found {@code nodes} nodes whose program changed (offered to the rollout). */
  void offered(int nodes) {
    if (open != null) {
      open.setAttribute(NODES_CHANGED, (long) nodes);
    }
  }

  /** A rollout step published programs: {@code nodes} nodes, the highest generation given. */
  void published(int nodes, long highestGeneration) {
    if (open == null || nodes == 0) {
      return;
    }
    published += nodes;
    generation = Math.max(generation, highestGeneration);
    open.addEvent(
        "programs published",
        Attributes.of(NODES_PUBLISHED, (long) nodes, GENERATION, highestGeneration));
  }

  /** Nothing is held any more: every program is published; the span ends. */
  void released() {
    end("published");
  }

  /** Leadership started anew: what was held is recompiled; the span ends. */
  void abandoned() {
    end("abandoned");
  }

  private void end(String how) {
    if (open == null) {
      return;
    }
    open.setAttribute(NODES_PUBLISHED, published);
    if (generation > 0) {
      open.setAttribute(GENERATION, generation);
    }
    open.setAttribute(ENDED, how);
    open.end();
    open = null;
  }
}

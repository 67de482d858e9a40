package io.egressgw.rest;

import io.egressgw.tracing.TracedWrites;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The REST API's writes to the Kubernetes API, each in a span of its own when tracing is on
 * (quarkus.otel.sdk.disabled=false): a child of the REST call's span, so that a trace shows how
 * long the API server took apart from the rest of the call. The write's span context is handed to
 * {@link TracedWrites}, so that the controller's program rollout that follows joins the trace. With
 * tracing off it only calls (the context is invalid and not kept).
 */
@ApplicationScoped
public class KubernetesWrites {
  @Inject TracedWrites traced;
  @Inject Clock clock;

  /**
   * Runs {@code write} (create, update, delete of the object {@code key} of {@code kind}) in a
   * "kubernetes write" span.
   */
  @WithSpan(value = "kubernetes write", kind = SpanKind.CLIENT)
  public <R> R write(
      @SpanAttribute("k8s.verb") String verb,
      @SpanAttribute("k8s.kind") String kind,
      String key,
      Supplier<R> write) {
    R written = write.get();
    SpanContext context = Span.current().getSpanContext();
    if (context.isSampled()) {
      String version =
          "delete".equals(verb) || !(written instanceof HasMetadata h)
              ? null
              : h.getMetadata().getResourceVersion();
      traced.record(new TracedWrites.Write(kind, key, version, context, clock.instant()));
    }
    return written;
  }
}

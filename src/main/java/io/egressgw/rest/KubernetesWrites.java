package io.egressgw.rest;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Supplier;

/**
 * The REST API's writes to the Kubernetes API, each in a span of its own when tracing is on
 * (quarkus.otel.sdk.disabled=false): a child of the REST call's span, so that a trace shows how
 * long the API server took apart from the rest of the call. With tracing off it only calls.
 */
@ApplicationScoped
public class KubernetesWrites {

  /** Runs {@code write} (create, update, delete of one object) in a "kubernetes write" span. */
  @WithSpan(value = "kubernetes write", kind = SpanKind.CLIENT)
  public <R> R write(
      @SpanAttribute("k8s.verb") String verb,
      @SpanAttribute("k8s.kind") String kind,
      Supplier<R> write) {
    return write.get();
  }
}

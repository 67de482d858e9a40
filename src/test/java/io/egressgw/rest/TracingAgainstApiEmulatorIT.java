package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a REST call that writes is one trace: the server span of the call and, as its
 * child, the span of the write to the Kubernetes API (here the embedded emulator), exported to an
 * in-memory exporter instead of an OTLP collector.
 */
@QuarkusTest
@TestProfile(TracingAgainstApiEmulatorIT.TracingOn.class)
class TracingAgainstApiEmulatorIT {

  /** Tracing on, exported quickly. */
  public static class TracingOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.otel.sdk.disabled", "false",
          "quarkus.otel.bsp.schedule.delay", "50ms",
          "quarkus.otel.bsp.export.timeout", "1s");
    }
  }

  /** Where the spans go in this test (a SpanExporter bean is used by quarkus-opentelemetry). */
  @ApplicationScoped
  static class InMemoryExporter {
    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
      return InMemorySpanExporter.create();
    }
  }

  @Inject InMemorySpanExporter exporter;

  @Test
  void aPostOfAGatewayGroupTracesTheKubernetesWriteAsAChildOfTheRestCall() {
    exporter.reset();

    given()
        .contentType("application/json")
        .body(ApiJson.group("traced", "192.168.150.1"))
        .post("/v1/namespaces/it-tracing/gateway-groups")
        .then()
        .statusCode(201);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              List<SpanData> spans = exporter.getFinishedSpanItems();
              SpanData write =
                  spans.stream()
                      .filter(s -> s.getName().equals("kubernetes write"))
                      .findFirst()
                      .orElseThrow(
                          () -> new AssertionError("no kubernetes write span in " + spans));
              SpanData server =
                  spans.stream()
                      .filter(s -> s.getSpanId().equals(write.getParentSpanId()))
                      .findFirst()
                      .orElseThrow(
                          () -> new AssertionError("no parent of " + write + " in " + spans));
              assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
              assertThat(server.getName()).startsWith("POST");
              assertThat(write.getTraceId()).isEqualTo(server.getTraceId());
              assertThat(write.getAttributes().asMap().toString())
                  .contains("create")
                  .contains("NetworkGatewayGroup");
            });
  }
}

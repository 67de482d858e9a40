package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressgw.controller.ClusterFixtures;
import io.egressgw.controller.SimulatedAgent;
import io.egressgw.kube.CrdInstaller;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a REST call that writes is one trace: the server span of the call, as its child
 * the span of the write to the Kubernetes API (here the embedded emulator), and as the write's
 * child the controller's "program rollout" that publishes the programs the write changed (on the
 * reconcile thread, later), exported to an in-memory exporter instead of an OTLP collector.
 */
@QuarkusTest
@TestProfile(TracingAgainstApiEmulatorIT.TracingOn.class)
class TracingAgainstApiEmulatorIT {

  /** Tracing on, exported quickly; the controller's runtime on, so that programs roll out. */
  public static class TracingOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.otel.sdk.disabled", "false",
          "quarkus.otel.bsp.schedule.delay", "50ms",
          "quarkus.otel.bsp.export.timeout", "1s",
          "egressgw.controller.enabled", "true");
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
  @Inject KubernetesClient client;
  @Inject CrdInstaller crds;
  @Inject Vertx vertx;

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir")
  String tokenDir;

  @ConfigProperty(name = "egressgw.controller.channel.public-key-file")
  String publicKey;

  private SimulatedAgent agent;

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.kill();
    }
  }

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

  @Test
  void aPostOfAGatewayGroupTracesTheProgramRolloutItCausesAsAChildOfTheKubernetesWrite() {
    // Arrange: a node with a live agent in the floating IP's subnet, so that the group's IP is
    // placed on it and its program changes.
    crds.installMissing();
    client
        .nodes()
        .resource(ClusterFixtures.readyNode("traced-worker", "192.168.151.11", Map.of()))
        .create();
    agent =
        new SimulatedAgent("traced-worker", "192.168.151.11", "192.168.151.11/24")
            .start(vertx, "http://localhost:" + port, Path.of(tokenDir), Path.of(publicKey));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> agent.appliedGeneration() > 0); // the first program, before any write
    exporter.reset();

    // Act
    given()
        .contentType("application/json")
        .body(ApiJson.group("rolled-out", "192.168.151.1"))
        .post("/v1/namespaces/it-rollout/gateway-groups")
        .then()
        .statusCode(201);

    // Assert: REST call -> Kubernetes write -> program rollout, one trace.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              List<SpanData> spans = exporter.getFinishedSpanItems();
              SpanData server =
                  spans.stream()
                      .filter(
                          s ->
                              s.getKind() == SpanKind.SERVER
                                  && s.getName().startsWith("POST")
                                  && s.getAttributes().asMap().toString().contains("it-rollout"))
                      .findFirst()
                      .orElseThrow(() -> new AssertionError("no POST span in " + spans));
              SpanData write = childNamed(spans, server, "kubernetes write");
              SpanData rollout = childNamed(spans, write, "program rollout");
              assertThat(rollout.getTraceId()).isEqualTo(server.getTraceId());
              assertThat(rollout.getAttributes().get(longKey("egressgw.rollout.nodes_changed")))
                  .isEqualTo(1L);
              assertThat(rollout.getAttributes().get(longKey("egressgw.rollout.nodes_published")))
                  .isEqualTo(1L);
              assertThat(rollout.getAttributes().get(longKey("egressgw.rollout.generation")))
                  .isGreaterThan(0L);
              assertThat(rollout.getEvents())
                  .anyMatch(e -> e.getName().equals("programs published"));
            });
    // ...and the agent got the program the rollout published.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(agent.last().floatingIPs()).contains("192.168.151.1"));
  }

  private static AttributeKey<Long> longKey(String name) {
    return AttributeKey.longKey(name);
  }

  private static SpanData childNamed(List<SpanData> spans, SpanData parent, String name) {
    return spans.stream()
        .filter(s -> s.getName().equals(name) && s.getParentSpanId().equals(parent.getSpanId()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " under " + parent + " in " + spans));
  }
}

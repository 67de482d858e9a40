package io.egressgw.controller;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.CrdInstaller;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What /q/metrics tells an operator, scraped as Prometheus does: gauges that read numbers after a
 * garbage collection, the state gauges of the leading controller (floating IPs unassigned, nodes
 * Up/Down, policies by condition), and a bounded uri label for requests refused before routing.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ApiEmulatorProfile.class)
class ControllerMetricsAgainstApiEmulatorIT {
  /** A ceiling, not a figure: one scrape alone can take seconds on a busy 2-core machine. */
  private static final Duration FAST = Duration.ofSeconds(20);

  private static final Pattern SERIES =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  @Inject KubernetesClient client;
  @Inject CrdInstaller crds;
  @Inject Vertx vertx;
  @Inject ChannelState state;

  /** The management interface (issue 15: metrics are not on the API port). */
  @TestHTTPResource(value = "/metrics", management = true)
  URL metrics;

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir")
  String tokenDir;

  @ConfigProperty(name = "egressgw.controller.channel.public-key-file")
  String publicKey;

  private final List<SimulatedAgent> agents = new ArrayList<>();

  /** One scraped series: name, labels, value. */
  record Series(String name, Map<String, String> labels, double value) {}

  @BeforeEach
  void crds() {
    crds.installMissing();
  }

  @AfterEach
  void stopAgents() {
    agents.forEach(SimulatedAgent::kill);
  }

  private SimulatedAgent agent(String node, String ip) {
    SimulatedAgent a =
        new SimulatedAgent(node, ip, ip + "/24")
            .start(vertx, "http://localhost:" + port, Path.of(tokenDir), Path.of(publicKey));
    agents.add(a);
    return a;
  }

  List<Series> scrape() {
    String body = given().when().get(metrics).then().statusCode(200).extract().asString();
    List<Series> out = new ArrayList<>();
    for (String line : body.split("\n")) {
      Matcher m = SERIES.matcher(line.trim());
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.add(new Series(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return out;
  }

  /** The value of the series {@code name} with exactly {@code labels} (name=value pairs). */
  static Optional<Double> value(List<Series> scraped, String name, String... labels) {
    Map<String, String> wanted = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return scraped.stream()
        .filter(s -> s.name().equals(name) && s.labels().equals(wanted))
        .map(Series::value)
        .findFirst();
  }

  double gauge(String name, String... labels) {
    return value(scrape(), name, labels)
        .orElseThrow(() -> new AssertionError("no series " + name + " " + List.of(labels)));
  }

  @Test
  void guardDropsReadsANumberAfterGarbageCollection() {
    // Act: what collected the gauge's weakly held lambda before.
    for (int i = 0; i < 5; i++) {
      System.gc();
    }

    // Assert
    double drops = gauge("egressgw_guard_drops");
    assertFalse(Double.isNaN(drops), "egressgw_guard_drops is NaN");
    assertEquals(0.0, drops);
  }

  @Test
  void timersPublishHistogramBucketsThatAddUpAcrossReplicasAndNoQuantiles() {
    List<Series> scraped = scrape();

    for (String timer :
        List.of(
            "egressgw_failover_detection_seconds",
            "egressgw_failover_reassignment_seconds",
            "egressgw_failover_published_seconds",
            "egressgw_placement_duration_seconds",
            "egressgw_compile_duration_seconds",
            "egressgw_program_rollout_seconds")) {
      assertTrue(
          scraped.stream().anyMatch(s -> s.name().equals(timer + "_bucket")),
          timer + " has histogram buckets");
      assertTrue(
          scraped.stream()
              .noneMatch(s -> s.name().equals(timer) && s.labels().containsKey("quantile")),
          timer + " publishes client-side quantiles");
    }
  }

  // Issue 15: an agent that reports another node IP than its Node's InternalIP is not believed:
  // the controller uses the InternalIP, records a NodeIPRefused Event on the Node and counts it.
  @Test
  void aReportedNodeIpThatIsNotTheNodesInternalIpIsRefusedRecordedAndCounted() {
    client
        .nodes()
        .resource(ClusterFixtures.readyNode("worker9", "192.168.1.19", Map.of()))
        .create();

    agent("worker9", "192.168.1.2");

    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              assertEquals(
                  Optional.of("192.168.1.19"),
                  state.liveness().report("worker9").map(r -> r.nodeIP()));
              assertTrue(
                  value(scrape(), "egressgw_node_ip_refused_total").orElse(0.0) >= 1.0,
                  "egressgw_node_ip_refused_total counts the refusal");
              assertTrue(
                  client.v1().events().inNamespace("default").list().getItems().stream()
                      .anyMatch(
                          e ->
                              "NodeIPRefused".equals(e.getReason())
                                  && "worker9".equals(e.getInvolvedObject().getName())
                                  && e.getMessage().contains("192.168.1.2")),
                  "a NodeIPRefused Event on worker9");
            });
  }

  @Test
  void theLeaderTellsUnassignedIpsNodesAndPoliciesByCondition() {
    // Arrange: two workers with agents, a group of three floating IPs, one policy using it.
    client
        .nodes()
        .resource(ClusterFixtures.readyNode("worker1", "192.168.1.11", Map.of()))
        .create();
    client
        .nodes()
        .resource(ClusterFixtures.readyNode("worker2", "192.168.1.12", Map.of()))
        .create();
    SimulatedAgent worker1 = agent("worker1", "192.168.1.11");
    SimulatedAgent worker2 = agent("worker2", "192.168.1.12");
    await()
        .atMost(FAST)
        .until(
            () -> state.programs().programmed("worker1") && state.programs().programmed("worker2"));
    client
        .resources(NetworkGatewayGroup.class)
        .resource(
            ClusterFixtures.group(
                "kube-system", "default", null, "192.168.1.100", "192.168.1.101", "192.168.1.102"))
        .create();
    client
        .resources(EgressNATPolicy.class)
        .resource(
            ClusterFixtures.policy(
                "team-a", Map.of(), Map.of(), "203.0.113.0/24", "kube-system", "default"))
        .create();

    // Assert: every IP held, both nodes Up, the policy Accepted and Programmed; this one leads.
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              List<Series> s = scrape();
              assertEquals(Optional.of(1.0), value(s, "egressgw_leader"));
              assertEquals(Optional.of(0.0), value(s, "egressgw_floating_ips_unassigned"));
              assertEquals(Optional.of(2.0), value(s, "egressgw_nodes", "state", "Up"));
              assertEquals(Optional.of(0.0), value(s, "egressgw_nodes", "state", "Down"));
              assertEquals(
                  Optional.of(1.0),
                  value(s, "egressgw_policies", "condition", "Accepted", "status", "True"));
              assertEquals(
                  Optional.of(1.0),
                  value(s, "egressgw_policies", "condition", "Programmed", "status", "True"));
              assertEquals(
                  Optional.of(0.0),
                  value(s, "egressgw_policies", "condition", "Programmed", "status", "False"));
              // Each agent acknowledged at least its first program and the group's: rollouts.
              assertTrue(
                  value(s, "egressgw_program_rollout_seconds_count").orElse(0.0) >= 2,
                  "egressgw_program_rollout_seconds_count counts the acknowledged rollouts");
            });

    // Act: worker1's agent dies.
    worker1.kill();

    // Assert: one node Down, its IPs moved, nothing unassigned.
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              List<Series> s = scrape();
              assertEquals(Optional.of(1.0), value(s, "egressgw_nodes", "state", "Up"));
              assertEquals(Optional.of(1.0), value(s, "egressgw_nodes", "state", "Down"));
              assertEquals(Optional.of(0.0), value(s, "egressgw_floating_ips_unassigned"));
            });

    // Act: worker2's agent dies too.
    worker2.kill();

    // Assert: no holder left for any of the three IPs; the policy is no longer Programmed.
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              List<Series> s = scrape();
              assertEquals(Optional.of(2.0), value(s, "egressgw_nodes", "state", "Down"));
              assertEquals(Optional.of(3.0), value(s, "egressgw_floating_ips_unassigned"));
              assertEquals(
                  Optional.of(1.0),
                  value(s, "egressgw_policies", "condition", "Programmed", "status", "False"));
            });
  }

  @Test
  void requestsRefusedBeforeRoutingDoNotPutTheirPathIntoTheUriLabel() throws IOException {
    // Act: two junk paths refused by RestGate (413 on Content-Length) before any route matched.
    assertEquals(413, refusedAsTooLarge("/v1/namespaces/junk-one/no-such-thing"));
    assertEquals(413, refusedAsTooLarge("/v1/namespaces/junk-two/nor-this"));

    // Assert: neither path is a label value; both are in one bounded bucket.
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              List<Series> refused =
                  scrape().stream()
                      .filter(s -> s.name().equals("http_server_requests_seconds_count"))
                      .filter(s -> "413".equals(s.labels().get("status")))
                      .toList();
              assertTrue(
                  refused.stream().noneMatch(s -> s.labels().get("uri").contains("junk")),
                  () -> "raw paths in the uri label: " + refused);
              assertEquals(
                  List.of("UNKNOWN"),
                  refused.stream().map(s -> s.labels().get("uri")).distinct().toList());
              assertEquals(2.0, refused.stream().mapToDouble(Series::value).sum());
            });
  }

  /**
   * Sends a POST announcing a body over the limit and no body (a raw socket: HTTP clients refuse to
   * send a Content-Length of their own); returns the status code.
   */
  private int refusedAsTooLarge(String path) throws IOException {
    try (Socket socket = new Socket("localhost", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 99999999\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder statusLine = new StringBuilder();
      for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
        statusLine.append((char) c);
      }
      return Integer.parseInt(statusLine.toString().split(" ")[1]);
    }
  }

  @Test
  void theApiPortServesNoMetricsAndNoHealth() {
    given().when().get("/q/metrics").then().statusCode(404);
    given().when().get("/q/health/ready").then().statusCode(404);
  }
}

package io.egressgw.bench;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.controller.ChannelState;
import io.egressgw.controller.ClusterFixtures;
import io.egressgw.controller.SimulatedAgent;
import io.egressgw.kube.CrdInstaller;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Convergence benchmark (not in the suite; run with
 * {@code mvn test -Dtest=ConvergenceBench -Dsurefire.failIfNoSpecifiedTests=false -De2e.skip=true}):
 * {@code bench.agents} (1,000) simulated agents over real HTTP, one selected pod per node; a policy
 * selecting all of them is POSTed to the REST API; measured: from the POST to every agent having
 * applied a program carrying the policy, and to the controller having every acknowledgement (policy
 * status Programmed "N of N"). Agents heartbeat every second here (and the controller's liveness
 * interval is 1 s to match): 1,000 agents at 100 ms would be 10,000 requests/s in one process.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ConvergenceBench.Profile.class)
class ConvergenceBench {
  private static final int AGENTS = Integer.getInteger("bench.agents", 1000);

  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "egressgw.kubernetes", "cluster",
          "egressgw.controller.enabled", "true",
          "egressgw.controller.liveness.interval", "1s",
          "egressgw.controller.liveness.check-interval", "100ms",
          "egressgw.controller.channel.long-poll-timeout", "25s",
          "quarkus.log.category.\"io.egressgw.agent.channel\".level", "INFO");
    }
  }

  @Inject KubernetesClient client;
  @Inject CrdInstaller crds;
  @Inject Vertx vertx;
  @Inject ChannelState state;
  @Inject io.micrometer.core.instrument.MeterRegistry registry;

  @ConfigProperty(name = "quarkus.http.test-port") int port;
  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir") String tokenDir;
  @ConfigProperty(name = "egressgw.controller.channel.public-key-file") String publicKey;

  static String name(int i) {
    return String.format("node-%04d", i);
  }

  static String nodeIp(int i) {
    return "10.1." + (i / 250) + "." + (i % 250 + 1);
  }

  @Test
  void convergence() throws Exception {
    crds.installMissing();
    client.resources(NetworkGatewayGroup.class).resource(ClusterFixtures.group("kube-system", "gw",
        null, "10.1.255.100")).create();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("bench")
        .withLabels(Map.of("bench", "yes")).endMetadata().build()).create();
    for (int i = 0; i < AGENTS; i++) {
      client.nodes().resource(ClusterFixtures.readyNode(name(i), nodeIp(i), Map.of())).create();
      client.pods().inNamespace("bench").resource(new PodBuilder()
          .withNewMetadata().withName("pod-" + i).withNamespace("bench").withLabels(Map.of("app", "bench")).endMetadata()
          .withNewSpec().withNodeName(name(i)).endSpec()
          .withNewStatus().withPodIP("10.244." + (i / 250) + "." + (i % 250 + 1)).withPhase("Running").endStatus()
          .build()).create();
    }
    ExecutorService appliers = Executors.newFixedThreadPool(4);
    List<SimulatedAgent> agents = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).until(() -> Path.of(tokenDir, name(AGENTS - 1) + ".token").toFile().exists());
    for (int i = 0; i < AGENTS; i++) {
      String n = name(i);
      agents.add(new SimulatedAgent(n, nodeIp(i), nodeIp(i) + "/16").start(vertx, "http://localhost:" + port,
          io.egressgw.agent.channel.AgentChannel.fileToken(Path.of(tokenDir, n + ".token")),
          io.egressgw.agent.channel.AgentChannel.publicKeyFile(Path.of(publicKey)),
          Duration.ofSeconds(1), Duration.ofSeconds(60), appliers));
    }
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
        .until(() -> agents.stream().allMatch(a -> state.programs().programmed(a.client().node())));
    System.out.printf("%nCONVERGENCE setup: %d agents connected and programmed%n", AGENTS);

    // Warm-up: a policy selecting nothing, so that the first measured write does not pay for
    // first-use costs (class loading, the informers' first watch events after the CRDs appeared).
    given().port(port).contentType("application/json").body(policy("warm-up", "none")).when()
        .post("/v1/egress-policies").then().statusCode(201);
    await().atMost(Duration.ofMinutes(1)).until(() -> {
      EgressNATPolicy p = client.resources(EgressNATPolicy.class).withName("warm-up").get();
      return p.getStatus() != null && p.getStatus().getObservedGeneration() != null;
    });
    String policy = "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"EgressNATPolicy\","
        + "\"metadata\":{\"name\":\"bench-egress\"},\"spec\":{\"action\":\"SNAT\","
        + "\"sources\":[{\"namespaceSelector\":{\"matchLabels\":{\"bench\":\"yes\"}},\"podSelector\":{\"matchLabels\":{\"app\":\"bench\"}}}],"
        + "\"destinations\":[{\"cidr\":\"203.0.113.0/24\"}],"
        + "\"gatewayRef\":{\"name\":\"gw\",\"namespace\":\"kube-system\"}}}";
    long t0 = System.nanoTime();
    given().port(port).contentType("application/json").body(policy).when().post("/v1/egress-policies")
        .then().statusCode(201);
    long posted = System.nanoTime();
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20)).until(() ->
        agents.stream().allMatch(a -> a.last() != null && !a.last().egresses().isEmpty()));
    long allApplied = System.nanoTime();
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20)).until(() -> {
      EgressNATPolicy p = client.resources(EgressNATPolicy.class).withName("bench-egress").get();
      return p.getStatus() != null && p.getStatus().getConditions().stream().anyMatch(c ->
          "Programmed".equals(c.getType()) && "True".equals(c.getStatus()));
    });
    long statusProgrammed = System.nanoTime();
    List<Long> perAgent = new ArrayList<>();
    for (SimulatedAgent a : agents) {
      for (int k = 0; k < a.applied().size(); k++) {
        if (!a.applied().get(k).egresses().isEmpty()) {
          perAgent.add(TimeUnit.NANOSECONDS.toMillis(a.appliedAtNanos().get(k) - t0));
          break;
        }
      }
    }
    Collections.sort(perAgent);
    var compile = registry.find("egressgw.compile.duration").timer();
    var placement = registry.find("egressgw.placement.duration").timer();
    System.out.printf("CONVERGENCE controller: compile of all nodes mean %.1f ms max %.1f ms (%d runs);"
            + " placement mean %.2f ms%n", compile.mean(TimeUnit.MILLISECONDS), compile.max(TimeUnit.MILLISECONDS),
        compile.count(), placement.mean(TimeUnit.MILLISECONDS));
    agents.forEach(SimulatedAgent::kill);
    appliers.shutdownNow();
    System.out.printf("CONVERGENCE agents=%d: POST answered %d ms; policy applied by every agent %d ms"
            + " (per agent p50 %d ms, p90 %d ms, max %d ms); status Programmed True (all acks) %d ms%n",
        AGENTS, TimeUnit.NANOSECONDS.toMillis(posted - t0), TimeUnit.NANOSECONDS.toMillis(allApplied - t0),
        perAgent.get(perAgent.size() / 2), perAgent.get((int) Math.ceil(perAgent.size() * 0.9) - 1),
        perAgent.get(perAgent.size() - 1), TimeUnit.NANOSECONDS.toMillis(statusProgrammed - t0));
  }

  static String policy(String name, String app) {
    return "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"EgressNATPolicy\","
        + "\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"action\":\"SNAT\","
        + "\"sources\":[{\"podSelector\":{\"matchLabels\":{\"app\":\"" + app + "\"}}}],"
        + "\"destinations\":[{\"cidr\":\"198.51.100.0/24\"}],"
        + "\"gatewayRef\":{\"name\":\"gw\",\"namespace\":\"kube-system\"}}}";
  }
}

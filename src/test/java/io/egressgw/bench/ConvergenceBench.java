package io.egressgw.bench;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.controller.ChannelState;
import io.egressgw.controller.ClusterFixtures;
import io.egressgw.controller.SimulatedAgent;
import io.egressgw.kube.CrdInstaller;
import io.egressgw.program.NodeProgram;
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
 * Convergence benchmark (not in the suite; run with {@code mvn test -Dtest=ConvergenceBench
 * -Dsurefire.failIfNoSpecifiedTests=false -De2e.skip=true}): {@code bench.agents} (1,000) simulated
 * agents over real HTTP, one selected pod per node; a policy selecting all of them is POSTed to the
 * REST API; measured: from the POST to every agent having applied a program carrying the policy,
 * and to the controller having every acknowledgement (policy status Programmed "N of N"). Agents
 * heartbeat every second here (and the controller's liveness interval is 1 s to match): 1,000
 * agents at 100 ms would be 10,000 requests/s in one process.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ConvergenceBench.Profile.class)
class ConvergenceBench {
  private static final int AGENTS = Integer.getInteger("bench.agents", 1000);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);

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

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir")
  String tokenDir;

  @ConfigProperty(name = "egressgw.controller.channel.public-key-file")
  String publicKey;

  static String name(int i) {
    return String.format("node-%04d", i);
  }

  static String nodeIp(int i) {
    return "10.1." + (i / 250) + "." + (i % 250 + 1);
  }

  @Test
  void convergence() throws Exception {
    crds.installMissing();
    client
        .resources(NetworkGatewayGroup.class)
        .resource(ClusterFixtures.group("kube-system", "gw", null, "10.1.255.100"))
        .create();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("bench")
                .withLabels(Map.of("bench", "yes"))
                .endMetadata()
                .build())
        .create();
    for (int i = 0; i < AGENTS; i++) {
      client.nodes().resource(ClusterFixtures.readyNode(name(i), nodeIp(i), Map.of())).create();
      client
          .pods()
          .inNamespace("bench")
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName("pod-" + i)
                  .withNamespace("bench")
                  .withLabels(Map.of("app", "bench"))
                  .endMetadata()
                  .withNewSpec()
                  .withNodeName(name(i))
                  .endSpec()
                  .withNewStatus()
                  .withPodIP("10.244." + (i / 250) + "." + (i % 250 + 1))
                  .withPhase("Running")
                  .endStatus()
                  .build())
          .create();
    }
    // The agents get their own event loops and applier threads (named agents-*), as if they were
    // another process, so that the CPU time they use can be told apart from the controller's.
    java.util.concurrent.atomic.AtomicInteger applierThreads =
        new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService appliers =
        Executors.newFixedThreadPool(
            4, r -> new Thread(r, "agents-applier-" + applierThreads.incrementAndGet()));
    Vertx agentVertx =
        new io.vertx.core.impl.VertxBuilder(
                new io.vertx.core.VertxOptions().setEventLoopPoolSize(2))
            .threadFactory(
                new io.vertx.core.spi.VertxThreadFactory() {
                  @Override
                  public io.vertx.core.impl.VertxThread newVertxThread(
                      Runnable r, String name, boolean worker, long max, TimeUnit unit) {
                    return new io.vertx.core.impl.VertxThread(
                        r, "agents-" + name, worker, max, unit);
                  }
                })
            .init()
            .vertx();
    List<SimulatedAgent> agents = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Path.of(tokenDir, name(AGENTS - 1) + ".token").toFile().exists());
    for (int i = 0; i < AGENTS; i++) {
      String n = name(i);
      agents.add(
          new SimulatedAgent(n, nodeIp(i), nodeIp(i) + "/16")
              .start(
                  agentVertx,
                  "http://localhost:" + port,
                  io.egressgw.agent.channel.AgentChannel.fileToken(Path.of(tokenDir, n + ".token")),
                  io.egressgw.agent.channel.AgentChannel.publicKeyFile(Path.of(publicKey)),
                  Duration.ofSeconds(1),
                  appliers));
    }
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> agents.stream().allMatch(a -> state.programs().programmed(a.client().node())));
    System.out.printf("%nCONVERGENCE setup: %d agents connected and programmed%n", AGENTS);

    // Warm-up: a policy selecting nothing, so that the first measured write does not pay for
    // first-use costs (class loading, the informers' first watch events after the CRDs appeared).
    given()
        .port(port)
        .contentType("application/json")
        .body(policy("warm-up", "none"))
        .when()
        .post("/v1/egress-policies")
        .then()
        .statusCode(201);
    await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () -> {
              EgressNATPolicy p = client.resources(EgressNATPolicy.class).withName("warm-up").get();
              return p.getStatus() != null && p.getStatus().getObservedGeneration() != null;
            });
    // The warm-up policy guards its destination on every node: let all 1,000 agents apply and
    // acknowledge that, and the heartbeat storm settle, before the measured write.
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> agents.stream().allMatch(a -> state.programs().programmed(a.client().node())));
    Thread.sleep(2000);
    String jfr = System.getProperty("bench.jfr");
    for (int round = 1; round <= ROUNDS; round++) {
      measure(agents, round, jfr);
      await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> agents.stream().allMatch(a -> state.programs().programmed(a.client().node())));
      Thread.sleep(2000);
    }
    agents.forEach(SimulatedAgent::kill);
    agentVertx.close();
    appliers.shutdownNow();
  }

  /**
   * One measured write: a new policy {@code bench-egress-<round>} selecting every pod (so every
   * node's program changes, and the gateway's lists 1,000 sources for it).
   */
  private void measure(List<SimulatedAgent> agents, int round, String jfr) throws Exception {
    String name = "bench-egress-" + round;
    String policy =
        "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"EgressNATPolicy\","
            + "\"metadata\":{\"name\":\""
            + name
            + "\"},\"spec\":{\"action\":\"SNAT\","
            + "\"sources\":[{\"namespaceSelector\":{\"matchLabels\":{\"bench\":\"yes\"}},\"podSelector\":{\"matchLabels\":{\"app\":\"bench\"}}}],"
            + "\"destinations\":[{\"cidr\":\"203.0.113."
            + (round * 16)
            + "/28\"}],"
            + "\"gatewayRef\":{\"name\":\"gw\",\"namespace\":\"kube-system\"}}}";
    java.util.function.Predicate<NodeProgram> carries =
        p -> p != null && p.egresses().values().stream().anyMatch(e -> name.equals(e.policy()));
    jdk.jfr.Recording recording = null;
    if (jfr != null) {
      // Profiles only the measured window: -Dbench.jfr=/tmp/convergence.jfr
      recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
      recording.start();
    }
    Map<Long, Long> cpuBefore = threadCpu();
    long processCpuBefore = processCpu();
    long t0 = System.nanoTime();
    given()
        .port(port)
        .contentType("application/json")
        .body(policy)
        .when()
        .post("/v1/egress-policies")
        .then()
        .statusCode(201);
    long posted = System.nanoTime();
    long[] allApplied = {0};
    long[] allAcknowledged = {0};
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              long now = System.nanoTime();
              if (allApplied[0] == 0 && agents.stream().allMatch(a -> carries.test(a.last()))) {
                allApplied[0] = now;
              }
              if (allAcknowledged[0] == 0
                  && agents.stream()
                      .allMatch(
                          a -> {
                            String n = a.client().node();
                            return state.programs().programmed(n)
                                && carries.test(state.programs().program(n).orElse(null));
                          })) {
                allAcknowledged[0] = now;
              }
              return allApplied[0] != 0 && allAcknowledged[0] != 0;
            });
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              EgressNATPolicy p = client.resources(EgressNATPolicy.class).withName(name).get();
              return p.getStatus() != null
                  && p.getStatus().getConditions().stream()
                      .anyMatch(
                          c -> "Programmed".equals(c.getType()) && "True".equals(c.getStatus()));
            });
    long statusProgrammed = System.nanoTime();
    long processCpu = processCpu() - processCpuBefore;
    long[] agentsCpu = {0};
    long[] othersCpu = {0};
    threadCpu()
        .forEach(
            (id, ns) -> {
              long used = ns - cpuBefore.getOrDefault(id, 0L);
              java.lang.management.ThreadInfo info = THREADS.getThreadInfo(id);
              if (info != null && info.getThreadName().startsWith("agents-")) {
                agentsCpu[0] += used;
              } else {
                othersCpu[0] += used;
              }
            });
    if (recording != null) {
      recording.stop();
      recording.dump(Path.of(jfr.replace(".jfr", "-" + round + ".jfr")));
    }
    List<Long> perAgent = new ArrayList<>();
    long gatewayApplied = -1;
    for (SimulatedAgent a : agents) {
      for (int k = 0; k < a.applied().size(); k++) {
        NodeProgram p = a.applied().get(k);
        if (a.appliedAtNanos().get(k) >= t0 && carries.test(p)) {
          long at = TimeUnit.NANOSECONDS.toMillis(a.appliedAtNanos().get(k) - t0);
          perAgent.add(at);
          if (!p.floatingIPs().isEmpty()) {
            gatewayApplied = at;
          }
          break;
        }
      }
    }
    Collections.sort(perAgent);
    var compile = registry.find("egressgw.compile.duration").timer();
    System.out.printf(
        "CONVERGENCE round %d agents=%d: POST answered %d ms; gateway applied %d ms; every agent"
            + " applied %d ms (per agent p50 %d ms, p90 %d ms); every acknowledgement at the"
            + " controller %d ms; status Programmed True read back from the API %d ms%n",
        round,
        AGENTS,
        TimeUnit.NANOSECONDS.toMillis(posted - t0),
        gatewayApplied,
        TimeUnit.NANOSECONDS.toMillis(allApplied[0] - t0),
        perAgent.get(perAgent.size() / 2),
        perAgent.get((int) Math.ceil(perAgent.size() * 0.9) - 1),
        TimeUnit.NANOSECONDS.toMillis(allAcknowledged[0] - t0),
        TimeUnit.NANOSECONDS.toMillis(statusProgrammed - t0));
    System.out.printf(
        "CONVERGENCE round %d CPU from the POST to Programmed True: process %d ms = simulated"
            + " agents' threads %d ms + controller, API emulator and test threads %d ms +"
            + " JVM-internal threads (GC, JIT) %d ms; controller compile mean %.1f ms over %d"
            + " runs%n",
        round,
        processCpu / 1_000_000,
        agentsCpu[0] / 1_000_000,
        othersCpu[0] / 1_000_000,
        (processCpu - agentsCpu[0] - othersCpu[0]) / 1_000_000,
        compile.mean(TimeUnit.MILLISECONDS),
        compile.count());
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /** CPU time of every live thread, by id. */
  private static Map<Long, Long> threadCpu() {
    Map<Long, Long> out = new java.util.HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long ns = THREADS.getThreadCpuTime(id);
      if (ns >= 0) {
        out.put(id, ns);
      }
    }
    return out;
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static String policy(String name, String app) {
    return "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"EgressNATPolicy\","
        + "\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"action\":\"SNAT\","
        + "\"sources\":[{\"podSelector\":{\"matchLabels\":{\"app\":\""
        + app
        + "\"}}}],"
        + "\"destinations\":[{\"cidr\":\"198.51.100.0/24\"}],"
        + "\"gatewayRef\":{\"name\":\"gw\",\"namespace\":\"kube-system\"}}}";
  }
}

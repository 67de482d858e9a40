package io.egressgw.bench;

import static org.awaitility.Awaitility.await;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.controller.ApiEmulatorProfile;
import io.egressgw.controller.ChannelState;
import io.egressgw.controller.ClusterFixtures;
import io.egressgw.controller.ControllerMetrics;
import io.egressgw.controller.SimulatedAgent;
import io.egressgw.kube.CrdInstaller;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Failover benchmark (not in the suite; run with {@code mvn test -Dtest=FailoverBench
 * -Dsurefire.failIfNoSpecifiedTests=false -De2e.skip=true}): three nodes with simulated agents over
 * real HTTP, the controller against the fabric8 API mock server with default liveness (100 ms x 3,
 * sweep 25 ms). 30 times: kill the agent holding 192.168.1.100, measure from its last heartbeat
 * received by the controller to (a) the new assignment written (controller metric, at the status
 * write's return) and (b) the new assignment seen by a watch on the group; then restart the agent.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ApiEmulatorProfile.class)
class FailoverBench {
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 30);
  private static final String IP = "192.168.1.100";

  @Inject KubernetesClient client;
  @Inject CrdInstaller crds;
  @Inject Vertx vertx;
  @Inject ChannelState state;
  @Inject ControllerMetrics metrics;

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir")
  String tokenDir;

  @ConfigProperty(name = "egressgw.controller.channel.public-key-file")
  String publicKey;

  private SimulatedAgent start(String node) {
    String ip = "192.168.1." + (10 + Integer.parseInt(node.substring(1)));
    return new SimulatedAgent(node, ip, ip + "/24")
        .start(vertx, "http://localhost:" + port, Path.of(tokenDir), Path.of(publicKey));
  }

  @Test
  void failover() throws Exception {
    crds.installMissing();
    Map<String, SimulatedAgent> agents = new HashMap<>();
    for (String n : List.of("n1", "n2", "n3")) {
      String ip = "192.168.1." + (10 + Integer.parseInt(n.substring(1)));
      client.nodes().resource(ClusterFixtures.readyNode(n, ip, Map.of())).create();
      agents.put(n, start(n));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> agents.keySet().stream().allMatch(state.programs()::programmed));
    client
        .resources(NetworkGatewayGroup.class)
        .resource(
            ClusterFixtures.group(
                "kube-system", "bench", null, IP, "192.168.1.101", "192.168.1.102"))
        .create();

    Map<String, Instant> seen = new ConcurrentHashMap<>();
    Map<String, String> holder = new ConcurrentHashMap<>();
    var watch =
        client
            .resources(NetworkGatewayGroup.class)
            .inNamespace("kube-system")
            .withName("bench")
            .watch(
                new Watcher<NetworkGatewayGroup>() {
                  @Override
                  public void eventReceived(Action action, NetworkGatewayGroup g) {
                    if (g.getStatus() != null && g.getStatus().getFloatingIPs() != null) {
                      String h = g.getStatus().getFloatingIPs().get(IP);
                      if (h != null && !h.equals(holder.put(IP, h))) {
                        seen.put(h, Instant.now());
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    await().atMost(Duration.ofSeconds(20)).until(() -> holder.get(IP) != null);
    // Warm-up rounds are not counted.
    List<Long> written = new ArrayList<>();
    List<Long> observed = new ArrayList<>();
    for (int round = -3; round < ROUNDS; round++) {
      String victim = holder.get(IP);
      long before = metrics.reassignmentTimer().count();
      double totalBefore = metrics.reassignmentTimer().totalTime(TimeUnit.MILLISECONDS);
      agents.get(victim).kill();
      await().atMost(Duration.ofSeconds(10)).until(() -> !victim.equals(holder.get(IP)));
      Instant lastBeat = state.liveness().lastHeartbeat(victim).orElseThrow();
      String next = holder.get(IP);
      long observedMs = Duration.between(lastBeat, seen.get(next)).toMillis();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> metrics.reassignmentTimer().count() > before);
      double writtenMs =
          (metrics.reassignmentTimer().totalTime(TimeUnit.MILLISECONDS) - totalBefore)
              / (metrics.reassignmentTimer().count() - before);
      if (round >= 0) {
        observed.add(observedMs);
        written.add(Math.round(writtenMs));
      }
      agents.put(victim, start(victim));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  state.programs().programmed(victim)
                      && state.liveness().alive(victim, Instant.now()));
      seen.remove(next);
    }
    watch.close();
    agents.values().forEach(SimulatedAgent::kill);
    System.out.printf(
        "%nFAILOVER rounds=%d%n  last heartbeat -> status written (controller metric): %s%n"
            + "  last heartbeat -> new assignment seen by a watch: %s%n",
        ROUNDS, summary(written), summary(observed));
  }

  static String summary(List<Long> ms) {
    List<Long> s = new ArrayList<>(ms);
    Collections.sort(s);
    return String.format(
        "p50 %d ms, p90 %d ms, max %d ms, min %d ms",
        s.get(s.size() / 2),
        s.get((int) Math.ceil(s.size() * 0.9) - 1),
        s.get(s.size() - 1),
        s.get(0));
  }
}

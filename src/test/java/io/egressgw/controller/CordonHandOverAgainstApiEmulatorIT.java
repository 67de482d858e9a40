package io.egressgw.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.egressgw.kube.CrdInstaller;
import io.egressgw.placement.NodeDrain;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Standby holders and planned hand-over against the fabric8 Kubernetes API mock server (CRUD mode),
 * with simulated agents on the real channel: status.standbys names the standby; cordoning the
 * holder (spec.unschedulable) or labelling it egressgw.io/drain moves its IP to the standby with a
 * Normal FloatingIPMoved Event naming the cause; undoing either moves nothing back. An agent that
 * hands over (what it does on SIGTERM) has applied a program without its IP when handOver returns.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(CordonHandOverAgainstApiEmulatorIT.WideMissWindow.class)
class CordonHandOverAgainstApiEmulatorIT {
  /**
   * A miss window of 2 s instead of 300 ms: these tests check which cause a move names, and on a
   * loaded machine a late heartbeat would turn a planned hand-over into a failover.
   */
  public static class WideMissWindow extends ApiEmulatorProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
      overrides.put("egressgw.controller.liveness.miss-count", "20");
      return overrides;
    }
  }

  private static final Duration FAST = Duration.ofSeconds(15);
  private static final String NS = "kube-system";
  private static final String GROUP = "standby";
  private static final String IP = "10.13.0.100";

  @Inject KubernetesClient client;
  @Inject CrdInstaller crds;
  @Inject Vertx vertx;
  @Inject ChannelState state;

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir")
  String tokenDir;

  @ConfigProperty(name = "egressgw.controller.channel.public-key-file")
  String publicKey;

  private final List<SimulatedAgent> agents = new ArrayList<>();

  @BeforeEach
  void crds() {
    crds.installMissing();
  }

  @AfterEach
  void stopAgents() {
    agents.forEach(SimulatedAgent::kill);
  }

  private SimulatedAgent agent(String node, String ip) {
    client.nodes().resource(ClusterFixtures.readyNode(node, ip, Map.of())).create();
    SimulatedAgent a =
        new SimulatedAgent(node, ip, ip + "/24")
            .start(vertx, "http://localhost:" + port, Path.of(tokenDir), Path.of(publicKey));
    agents.add(a);
    return a;
  }

  private NetworkGatewayGroupStatus status() {
    return status(GROUP);
  }

  private NetworkGatewayGroupStatus status(String name) {
    NetworkGatewayGroup g =
        client.resources(NetworkGatewayGroup.class).inNamespace(NS).withName(name).get();
    return g == null || g.getStatus() == null ? new NetworkGatewayGroupStatus() : g.getStatus();
  }

  private void cordon(String node, boolean unschedulable) {
    client
        .nodes()
        .withName(node)
        .edit(
            n -> {
              if (n.getSpec() == null) {
                n.setSpec(new NodeSpec());
              }
              n.getSpec().setUnschedulable(unschedulable);
              return n;
            });
  }

  private void drainLabel(String node, boolean on) {
    client
        .nodes()
        .withName(node)
        .edit(
            n -> {
              Map<String, String> labels = new HashMap<>();
              if (n.getMetadata().getLabels() != null) {
                labels.putAll(n.getMetadata().getLabels());
              }
              if (on) {
                labels.put(NodeDrain.LABEL, "");
              } else {
                labels.remove(NodeDrain.LABEL);
              }
              n.getMetadata().setLabels(labels);
              return n;
            });
  }

  private List<Event> movedEvents() {
    return movedEvents(GROUP);
  }

  private List<Event> movedEvents(String group) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "FloatingIPMoved".equals(e.getReason()))
        .filter(e -> group.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void cordonMovesTheIpToItsStandbyAndUncordonMovesNothingBack() {
    // Arrange: two nodes, one floating IP: worker "a" holds it, "b" stands by.
    SimulatedAgent a = agent("standby-a", "10.13.0.11");
    SimulatedAgent b = agent("standby-b", "10.13.0.12");
    await()
        .atMost(FAST)
        .until(
            () ->
                state.programs().programmed("standby-a")
                    && state.programs().programmed("standby-b"));
    client
        .resources(NetworkGatewayGroup.class)
        .resource(ClusterFixtures.group(NS, GROUP, null, IP))
        .create();
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              NetworkGatewayGroupStatus s = status();
              assertEquals(Map.of(IP, "standby-a"), s.getFloatingIPs());
              assertEquals(Map.of(IP, "standby-b"), s.getStandbys(), "status shows the standby");
              assertEquals(List.of(IP), a.heldFloatingIPs());
            });

    // Act: cordon the holder.
    cordon("standby-a", true);

    // Assert: the IP is on its standby, which now has no standby of its own (a is ineligible),
    // the agents were told so, and a Normal FloatingIPMoved Event names the cause.
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              NetworkGatewayGroupStatus s = status();
              assertEquals(Map.of(IP, "standby-b"), s.getFloatingIPs());
              assertEquals(Map.of(), s.getStandbys());
              assertEquals(List.of(IP), b.heldFloatingIPs());
              assertEquals(List.of(), a.heldFloatingIPs());
            });
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              List<Event> moved = movedEvents();
              assertEquals(1, moved.size(), () -> "events: " + moved);
              Event e = moved.get(0);
              assertTrue(
                  e.getMessage().startsWith(IP + ": standby-a -> standby-b (Cordoned: "),
                  e.getMessage());
              assertEquals("Normal", e.getType());
              assertEquals("Cordoned", e.getAction());
            });

    // Act: uncordon.
    cordon("standby-a", false);

    // Assert: a becomes the standby; the IP stays on b (nothing moves back).
    await()
        .atMost(FAST)
        .untilAsserted(() -> assertEquals(Map.of(IP, "standby-a"), status().getStandbys()));
    assertEquals(Map.of(IP, "standby-b"), status().getFloatingIPs());
    assertEquals(1, movedEvents().size(), "no move after the uncordon");
    assertEquals(List.of(IP), b.heldFloatingIPs());

    // Act: label the holder egressgw.io/drain.
    drainLabel("standby-b", true);

    // Assert: the IP goes back to its standby a, named as Drained.
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              NetworkGatewayGroupStatus s = status();
              assertEquals(Map.of(IP, "standby-a"), s.getFloatingIPs());
              assertEquals(Map.of(), s.getStandbys());
              assertTrue(
                  movedEvents().stream()
                      .anyMatch(
                          e ->
                              e.getMessage()
                                  .startsWith(IP + ": standby-b -> standby-a (Drained: ")),
                  () -> "events: " + movedEvents());
            });

    // Act: remove the label.
    drainLabel("standby-b", false);

    // Assert: b stands by again, the IP stays on a.
    await()
        .atMost(FAST)
        .untilAsserted(() -> assertEquals(Map.of(IP, "standby-b"), status().getStandbys()));
    assertEquals(Map.of(IP, "standby-a"), status().getFloatingIPs());
    assertEquals(2, movedEvents().size(), "no move after the label is removed");
  }

  @Test
  void anAgentThatHandsOverGetsAProgramWithoutItsIpsBeforeItExits() {
    // Arrange: "c" holds the IP, "d" stands by.
    String group = "handover";
    String ip = "10.13.1.100";
    SimulatedAgent c = agent("handover-c", "10.13.1.11");
    SimulatedAgent d = agent("handover-d", "10.13.1.12");
    await()
        .atMost(FAST)
        .until(
            () ->
                state.programs().programmed("handover-c")
                    && state.programs().programmed("handover-d"));
    client
        .resources(NetworkGatewayGroup.class)
        .resource(ClusterFixtures.group(NS, group, null, ip))
        .create();
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              assertEquals(Map.of(ip, "handover-d"), status(group).getStandbys());
              assertEquals(List.of(ip), c.heldFloatingIPs());
            });

    // Act: c's agent is told to stop (what SIGTERM does before the process exits).
    boolean handedOver = c.client().handOver(FAST);

    // Assert: by the time handOver returns, c applied a program without the IP; d holds it.
    assertTrue(handedOver);
    assertEquals(List.of(), c.heldFloatingIPs());
    await()
        .atMost(FAST)
        .untilAsserted(
            () -> {
              assertEquals(Map.of(ip, "handover-d"), status(group).getFloatingIPs());
              assertEquals(List.of(ip), d.heldFloatingIPs());
              assertTrue(
                  movedEvents(group).stream()
                      .anyMatch(
                          e ->
                              e.getMessage()
                                  .startsWith(ip + ": handover-c -> handover-d (AgentDraining: ")),
                  () -> "events: " + movedEvents(group));
            });
  }
}

package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressgw.kube.CrdInstaller;
import io.egressgw.program.NodeProgram;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole controller (informers, compiler, channel) with the Kubernetes API emulator (fabric8
 * mock server in CRUD mode) standing in for an API server that serves networking.k8s.io/v1
 * ServiceCIDR (Kubernetes 1.33+), and a simulated agent on the real channel: a ServiceCIDR object
 * created in the emulator becomes an excluded prefix of the node's compiled program, and deleting
 * the object takes the exclusion out again. {@link ServiceCidrObjectsAgainstApiEmulatorIT} covers
 * the cache alone and a server without the API.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ApiEmulatorProfile.class)
class ServiceCidrInNodeProgramAgainstApiEmulatorIT {
  private static final Duration FAST = Duration.ofSeconds(15);
  private static final String NODE = "svc-cidr-worker";
  private static final String NODE_IP = "10.14.0.11";
  private static final String SERVICE_CIDR = "10.112.0.0/16";

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

  @BeforeEach
  void crds() {
    crds.installMissing();
  }

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.kill();
    }
  }

  private List<String> excludedInTheAgentsProgram() {
    NodeProgram last = agent.last();
    return last == null ? List.of() : last.excludedPrefixes();
  }

  @Test
  void aServiceCidrCreatedInTheApiEmulatorStandingInForTheClusterIsExcludedUntilDeleted() {
    // Arrange: one node with its agent, programmed; no ServiceCIDR object yet.
    client.nodes().resource(ClusterFixtures.readyNode(NODE, NODE_IP, Map.of())).create();
    agent =
        new SimulatedAgent(NODE, NODE_IP, NODE_IP + "/24")
            .start(vertx, "http://localhost:" + port, Path.of(tokenDir), Path.of(publicKey));
    await()
        .atMost(FAST)
        .untilAsserted(
            () ->
                assertThat(excludedInTheAgentsProgram())
                    .as("the node's address is excluded, the service CIDR not yet")
                    .contains(NODE_IP + "/32")
                    .doesNotContain(SERVICE_CIDR));

    // Act: the cluster gets a ServiceCIDR object (an IPv6 CIDR beside it, which IPv4 maps skip).
    client
        .resource(
            ServiceCidrObjectsAgainstApiEmulatorIT.serviceCidr(
                "extra-services", SERVICE_CIDR, "fd00:14::/112"))
        .create();

    // Assert: the node's next program excludes it.
    await()
        .atMost(FAST)
        .untilAsserted(
            () ->
                assertThat(excludedInTheAgentsProgram())
                    .contains(SERVICE_CIDR, NODE_IP + "/32")
                    .noneMatch(c -> c.contains(":")));

    // Act: the object is deleted.
    client
        .network()
        .v1()
        .serviceCIDRs()
        .withName("extra-services")
        .withTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
        .delete();

    // Assert: the exclusion is gone again, the node's address still excluded.
    await()
        .atMost(FAST)
        .untilAsserted(
            () ->
                assertThat(excludedInTheAgentsProgram())
                    .contains(NODE_IP + "/32")
                    .doesNotContain(SERVICE_CIDR));
  }
}

package io.egressgw.kube;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * egressgw.kubernetes=cluster: no emulator is started and the application's one KubernetesClient is
 * the one Quarkus configures, here pointed by @WithKubernetesTestServer at its own fabric8 mock
 * server (CRUD mode) standing in for a real cluster. Shows that other packages' tests can use the
 * Quarkus test server without the embedded mode getting in the way.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ClusterModeAgainstKubernetesTestServerIT.ClusterMode.class)
class ClusterModeAgainstKubernetesTestServerIT {

  public static class ClusterMode implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("egressgw.kubernetes", "cluster");
    }
  }

  @KubernetesTestServer KubernetesServer server;
  @Inject KubernetesClient client;
  @Inject KubernetesApiEmulator emulator;
  @Inject KubernetesSettings settings;

  @Test
  void theClientIsTheTestServersAndNoEmulatorRuns() {
    assertThat(settings.mode()).isEqualTo(KubernetesMode.CLUSTER);
    assertThat(emulator.isRunning()).isFalse();
    assertThat(client.getMasterUrl()).isEqualTo(server.getClient().getMasterUrl());
  }

  @Test
  void restAndTheClusterSeeEachOthersWrites() {
    NetworkGatewayGroup group = new NetworkGatewayGroup();
    group.setMetadata(
        new ObjectMetaBuilder().withNamespace("kube-system").withName("in-cluster").build());
    group.setSpec(new NetworkGatewayGroupSpec(new ArrayList<>(List.of("192.168.60.1")), null));
    server.getClient().resource(group).create();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .get("/v1/namespaces/kube-system/gateway-groups/in-cluster")
                    .then()
                    .statusCode(200)
                    .body("spec.floatingIPs", contains("192.168.60.1")));

    given()
        .contentType("application/json")
        .body(
            "{\"metadata\":{\"name\":\"from-rest\"},\"spec\":{\"floatingIPs\":[\"192.168.60.2\"]}}")
        .post("/v1/namespaces/kube-system/gateway-groups")
        .then()
        .statusCode(201);
    assertThat(
            server
                .getClient()
                .resources(NetworkGatewayGroup.class)
                .inNamespace("kube-system")
                .withName("from-rest")
                .get())
        .isNotNull();
  }
}

package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupSpec;
import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.egressgw.kube.KubernetesApiEmulator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway-group resource end to end against the embedded Kubernetes API emulator (the fabric8
 * mock server in CRUD mode): writes reach the Kubernetes API, reads come from the informer cache,
 * and objects written with the Kubernetes client (what kubectl does) show up in the REST API.
 */
@QuarkusTest
class GatewayGroupApiAgainstApiEmulatorIT {
  private static final String PATH = "/v1/namespaces/{namespace}/gateway-groups";

  @Inject KubernetesClient client;
  @Inject KubernetesApiEmulator emulator;

  @Test
  void theEmbeddedEmulatorListensOnLoopbackWithOurCrdsInstalled() {
    assertThat(emulator.isRunning()).isTrue();
    assertThat(URI.create(client.getMasterUrl().toString()).getHost()).isEqualTo("127.0.0.1");
    assertThat(client.getMasterUrl().toString()).startsWith(emulator.url());
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName(NetworkGatewayGroup.CRD_NAME)
                .get())
        .isNotNull();
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("egressnatpolicies.networking.gke.io")
                .get())
        .isNotNull();
  }

  @Test
  void restWritesAreKubernetesObjects() {
    String ns = "it-rest-writes";
    Response created =
        given()
            .contentType("application/json")
            .body(ApiJson.group("gw", "192.168.10.1"))
            .post(PATH, ns);
    created
        .then()
        .statusCode(201)
        .header(
            "Location",
            org.hamcrest.Matchers.endsWith("/v1/namespaces/it-rest-writes/gateway-groups/gw"))
        .body("metadata.namespace", equalTo(ns));
    NetworkGatewayGroup stored = kube(ns, "gw");
    assertThat(stored.getSpec().getFloatingIPs()).containsExactly("192.168.10.1");
    assertThat(created.header("ETag")).isEqualTo(ETags.quoted(stored));

    String etag = given().get(PATH + "/gw", ns).then().statusCode(200).extract().header("ETag");
    Response replaced =
        given()
            .contentType("application/json")
            .header("If-Match", etag)
            .body(ApiJson.group("gw", "192.168.10.1", "192.168.10.2"))
            .put(PATH + "/gw", ns);
    replaced
        .then()
        .statusCode(200)
        .body("spec.floatingIPs", contains("192.168.10.1", "192.168.10.2"));
    assertThat(kube(ns, "gw").getSpec().getFloatingIPs())
        .containsExactly("192.168.10.1", "192.168.10.2");
    assertThat(replaced.header("ETag")).isNotEqualTo(etag);
    given().get(PATH + "/gw", ns).then().statusCode(200).header("ETag", replaced.header("ETag"));

    given()
        .header("If-Match", replaced.header("ETag"))
        .delete(PATH + "/gw", ns)
        .then()
        .statusCode(204);
    assertThat(kube(ns, "gw")).isNull();
    given().get(PATH + "/gw", ns).then().statusCode(404).contentType("application/problem+json");
  }

  @Test
  void kubernetesWritesAppearInRest() {
    String ns = "it-kubectl-writes";
    NetworkGatewayGroup group = new NetworkGatewayGroup();
    group.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName("from-kubectl").build());
    group.setSpec(
        new NetworkGatewayGroupSpec(
            new ArrayList<>(List.of("192.168.11.1")), Map.of("node-type", "egressNat")));

    client.resource(group).create();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .get(PATH + "/from-kubectl", ns)
                    .then()
                    .statusCode(200)
                    .body("spec.floatingIPs", contains("192.168.11.1"))
                    .body("spec.nodeSelector.node-type", equalTo("egressNat")));

    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName("from-kubectl")
        .edit(
            g -> {
              g.getSpec().setFloatingIPs(new ArrayList<>(List.of("192.168.11.2")));
              return g;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .get(PATH + "/from-kubectl", ns)
                    .then()
                    .statusCode(200)
                    .body("spec.floatingIPs", contains("192.168.11.2")));

    client.resources(NetworkGatewayGroup.class).inNamespace(ns).withName("from-kubectl").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> given().get(PATH + "/from-kubectl", ns).then().statusCode(404));
  }

  @Test
  void aStaleIfMatchIs412AndChangesNothing() {
    String ns = "it-if-match";
    String first =
        given()
            .contentType("application/json")
            .body(ApiJson.group("gw", "192.168.12.1"))
            .post(PATH, ns)
            .then()
            .statusCode(201)
            .extract()
            .header("ETag");
    given()
        .contentType("application/json")
        .header("If-Match", first)
        .body(ApiJson.group("gw", "192.168.12.2"))
        .put(PATH + "/gw", ns)
        .then()
        .statusCode(200);

    Response stalePut =
        given()
            .contentType("application/json")
            .header("If-Match", first)
            .body(ApiJson.group("gw", "192.168.12.3"))
            .put(PATH + "/gw", ns);
    Response staleDelete = given().header("If-Match", first).delete(PATH + "/gw", ns);

    for (Response stale : List.of(stalePut, staleDelete)) {
      stale
          .then()
          .statusCode(412)
          .contentType("application/problem+json")
          .body("status", equalTo(412))
          .body("type", equalTo("urn:egressgw:problem:precondition-failed"))
          .body("errors[0].field", equalTo("If-Match"));
    }
    assertThat(kube(ns, "gw").getSpec().getFloatingIPs()).containsExactly("192.168.12.2");
  }

  @Test
  void replaceWithoutIfMatchReplacesWhateverIsStored() {
    String ns = "it-unconditional";
    given()
        .contentType("application/json")
        .body(ApiJson.group("gw", "192.168.13.1"))
        .post(PATH, ns)
        .then()
        .statusCode(201);
    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName("gw")
        .edit(
            g -> {
              g.getMetadata().setLabels(Map.of("edited", "by-kubectl"));
              return g;
            });

    given()
        .contentType("application/json")
        .body(ApiJson.group("gw", "192.168.13.2"))
        .put(PATH + "/gw", ns)
        .then()
        .statusCode(200);

    assertThat(kube(ns, "gw").getSpec().getFloatingIPs()).containsExactly("192.168.13.2");
  }

  @Test
  void statusInABodyIsIgnoredOnCreateAndTheStoredStatusIsKeptOnReplace() {
    String ns = "it-status";
    String withStatus = ApiJson.group("gw", "192.168.14.1");
    withStatus =
        withStatus.substring(0, withStatus.length() - 1)
            + ",\"status\":{\"nodes\":{\"worker1\":\"Up\"},\"floatingIPs\":{\"192.168.14.1\":\"worker1\"}}}";

    given()
        .contentType("application/json")
        .body(withStatus)
        .post(PATH, ns)
        .then()
        .statusCode(201)
        .body("status", nullValue());
    assertThat(kube(ns, "gw").getStatus()).isNull();

    NetworkGatewayGroup current = kube(ns, "gw");
    NetworkGatewayGroupStatus status = new NetworkGatewayGroupStatus();
    status.setNodes(Map.of("worker2", "Up"));
    current.setStatus(status);
    client.resource(current).updateStatus();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> given().get(PATH + "/gw", ns).then().body("status.nodes.worker2", equalTo("Up")));

    given()
        .contentType("application/json")
        .body(withStatus.replace("192.168.14.1\"]", "192.168.14.1\",\"192.168.14.2\"]"))
        .put(PATH + "/gw", ns)
        .then()
        .statusCode(200)
        .body("status.nodes.worker2", equalTo("Up"));

    NetworkGatewayGroup after = kube(ns, "gw");
    assertThat(after.getSpec().getFloatingIPs()).containsExactly("192.168.14.1", "192.168.14.2");
    assertThat(after.getStatus().getNodes()).containsExactly(Map.entry("worker2", "Up"));
  }

  @Test
  void listsPageWithLimitAndContinue() {
    String ns = "it-paging";
    for (int i = 1; i <= 5; i++) {
      given()
          .contentType("application/json")
          .body(ApiJson.group("gw" + i, "192.168.15." + i))
          .post(PATH, ns)
          .then()
          .statusCode(201);
    }

    List<String> names = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      var request = given().queryParam("limit", 2);
      if (token != null) {
        request.queryParam("continue", token);
      }
      JsonPath page =
          request
              .get(PATH, ns)
              .then()
              .statusCode(200)
              .body("kind", equalTo("NetworkGatewayGroupList"))
              .extract()
              .jsonPath();
      names.addAll(page.getList("items.metadata.name"));
      token = page.getString("metadata.continue");
      pages++;
    } while (token != null);

    assertThat(names).containsExactly("gw1", "gw2", "gw3", "gw4", "gw5");
    assertThat(pages).isEqualTo(3);
    given().get(PATH, "it-paging-empty").then().statusCode(200).body("items.size()", equalTo(0));
  }

  private NetworkGatewayGroup kube(String namespace, String name) {
    return client.resources(NetworkGatewayGroup.class).inNamespace(namespace).withName(name).get();
  }
}

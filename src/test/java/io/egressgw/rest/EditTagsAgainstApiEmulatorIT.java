package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ETags for editing forms against the embedded Kubernetes API emulator: the tag follows what a
 * client can edit (spec, labels, annotations), so a status write by the controller does not make a
 * form opened before it stale, while an edit by someone else still does (412).
 */
@QuarkusTest
class EditTagsAgainstApiEmulatorIT {
  private static final String GROUPS = "/v1/namespaces/{namespace}/gateway-groups";
  private static final String POLICIES = "/v1/egress-policies";

  @Inject KubernetesClient client;

  @Test
  void aStatusWriteByTheControllerKeepsTheETagSoAFormSavesWithout412() {
    String ns = "it-tag-status";
    String opened = createGroup(ns, "gw", "192.168.140.1");

    writeGroupStatus(ns, "gw", "worker1", "Up");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .get(GROUPS + "/gw", ns)
                    .then()
                    .body("status.nodes.worker1", equalTo("Up"))
                    .header("ETag", opened));

    given()
        .contentType("application/json")
        .header("If-Match", opened)
        .body(ApiJson.group("gw", "192.168.140.1", "192.168.140.2"))
        .put(GROUPS + "/gw", ns)
        .then()
        .statusCode(200)
        .body("spec.floatingIPs", contains("192.168.140.1", "192.168.140.2"))
        .body("status.nodes.worker1", equalTo("Up"));
    assertThat(group(ns, "gw").getSpec().getFloatingIPs())
        .containsExactly("192.168.140.1", "192.168.140.2");
  }

  @Test
  void aSpecChangeBySomeoneElseStillAnswers412AndChangesNothing() {
    String ns = "it-tag-spec";
    String opened = createGroup(ns, "gw", "192.168.141.1");
    writeGroupStatus(ns, "gw", "worker1", "Up");

    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName("gw")
        .edit(
            g -> {
              g.getSpec().setFloatingIPs(new ArrayList<>(List.of("192.168.141.9")));
              return g;
            });

    given()
        .contentType("application/json")
        .header("If-Match", opened)
        .body(ApiJson.group("gw", "192.168.141.2"))
        .put(GROUPS + "/gw", ns)
        .then()
        .statusCode(412)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("If-Match"));
    given().header("If-Match", opened).delete(GROUPS + "/gw", ns).then().statusCode(412);
    assertThat(group(ns, "gw").getSpec().getFloatingIPs()).containsExactly("192.168.141.9");
  }

  /**
   * The flow a portal runs on 412: read again (new ETag and the other edit), merge, save with the
   * new ETag.
   */
  @Test
  void aFormThatGot412ReadsAgainAndSavesWithTheNewETag() {
    String ns = "it-tag-retry";
    createGroup(ns, "gw", "192.168.145.1");
    String opened = given().get(GROUPS + "/gw", ns).then().statusCode(200).extract().header("ETag");
    given()
        .contentType("application/json")
        .header("If-Match", opened)
        .body(ApiJson.group("gw", "192.168.145.1", "192.168.145.2"))
        .put(GROUPS + "/gw", ns)
        .then()
        .statusCode(200); // someone else saved first

    given()
        .contentType("application/json")
        .header("If-Match", opened)
        .body(ApiJson.group("gw", "192.168.145.1", "192.168.145.3"))
        .put(GROUPS + "/gw", ns)
        .then()
        .statusCode(412)
        .contentType("application/problem+json");
    String reread =
        given()
            .get(GROUPS + "/gw", ns)
            .then()
            .statusCode(200)
            .body("spec.floatingIPs", contains("192.168.145.1", "192.168.145.2"))
            .extract()
            .header("ETag");
    String saved =
        given()
            .contentType("application/json")
            .header("If-Match", reread)
            .body(ApiJson.group("gw", "192.168.145.1", "192.168.145.2", "192.168.145.3"))
            .put(GROUPS + "/gw", ns)
            .then()
            .statusCode(200)
            .body("spec.floatingIPs", contains("192.168.145.1", "192.168.145.2", "192.168.145.3"))
            .extract()
            .header("ETag");

    assertThat(reread).isNotEqualTo(opened);
    assertThat(saved).isNotEqualTo(reread);
    assertThat(group(ns, "gw").getSpec().getFloatingIPs())
        .containsExactly("192.168.145.1", "192.168.145.2", "192.168.145.3");
  }

  @Test
  void aLabelOrAnnotationChangeChangesTheETag() {
    String ns = "it-tag-meta";
    String opened = createGroup(ns, "gw", "192.168.142.1");

    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName("gw")
        .edit(
            g -> {
              g.getMetadata().setLabels(Map.of("team", "a"));
              return g;
            });
    String labelled = awaitNewTag(GROUPS + "/gw", ns, opened);
    given()
        .contentType("application/json")
        .header("If-Match", opened)
        .body(ApiJson.group("gw", "192.168.142.2"))
        .put(GROUPS + "/gw", ns)
        .then()
        .statusCode(412);

    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName("gw")
        .edit(
            g -> {
              g.getMetadata().setAnnotations(Map.of("owner", "portal"));
              return g;
            });
    awaitNewTag(GROUPS + "/gw", ns, labelled);
  }

  @Test
  void aPolicyKeepsItsETagWhenItsConditionsChange() {
    String ns = "it-tag-policy";
    createGroup(ns, "gw", "192.168.143.1");
    String opened =
        given()
            .contentType("application/json")
            .body(ApiJson.policy("tag-policy", ns, "gw", "203.0.113.0/24"))
            .post(POLICIES)
            .then()
            .statusCode(201)
            .extract()
            .header("ETag");

    client
        .resources(EgressNATPolicy.class)
        .withName("tag-policy")
        .editStatus(
            p -> {
              EgressNATPolicyStatus status = new EgressNATPolicyStatus();
              status.setConditions(List.of(condition("Accepted", "True")));
              p.setStatus(status);
              return p;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .get(POLICIES + "/tag-policy")
                    .then()
                    .body("status.conditions[0].type", equalTo("Accepted"))
                    .header("ETag", opened));

    given()
        .contentType("application/json")
        .header("If-Match", opened)
        .body(ApiJson.policy("tag-policy", ns, "gw", "198.51.100.0/24"))
        .put(POLICIES + "/tag-policy")
        .then()
        .statusCode(200)
        .body("spec.destinations[0].cidr", equalTo("198.51.100.0/24"));
  }

  @Test
  void ifNoneMatchWithTheCurrentTagIs304AndAfterAnEditIs200() {
    String ns = "it-tag-none-match";
    String opened = createGroup(ns, "gw", "192.168.144.1");

    given()
        .header("If-None-Match", opened)
        .get(GROUPS + "/gw", ns)
        .then()
        .statusCode(304)
        .header("ETag", opened);
    given().header("If-None-Match", "W/" + opened).get(GROUPS + "/gw", ns).then().statusCode(304);
    given().header("If-None-Match", "*").get(GROUPS + "/gw", ns).then().statusCode(304);

    String edited =
        given()
            .contentType("application/json")
            .header("If-Match", opened)
            .body(ApiJson.group("gw", "192.168.144.2"))
            .put(GROUPS + "/gw", ns)
            .then()
            .statusCode(200)
            .extract()
            .header("ETag");
    given()
        .header("If-None-Match", opened)
        .get(GROUPS + "/gw", ns)
        .then()
        .statusCode(200)
        .header("ETag", edited)
        .body("spec.floatingIPs", contains("192.168.144.2"));
  }

  private String createGroup(String ns, String name, String ip) {
    return given()
        .contentType("application/json")
        .body(ApiJson.group(name, ip))
        .post(GROUPS, ns)
        .then()
        .statusCode(201)
        .extract()
        .header("ETag");
  }

  /** What the controller's StatusWriter does: a write to the status subresource. */
  private void writeGroupStatus(String ns, String name, String node, String state) {
    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName(name)
        .editStatus(
            g -> {
              NetworkGatewayGroupStatus status = new NetworkGatewayGroupStatus();
              status.setNodes(Map.of(node, state));
              g.setStatus(status);
              return g;
            });
  }

  private static String awaitNewTag(String path, String ns, String old) {
    String[] tag = new String[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              tag[0] = given().get(path, ns).then().statusCode(200).extract().header("ETag");
              assertThat(tag[0]).isNotEqualTo(old);
            });
    return tag[0];
  }

  private static Condition condition(String type, String status) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason("Testing")
        .withMessage("set by the test")
        .withLastTransitionTime("2026-01-01T00:00:00Z")
        .build();
  }

  private NetworkGatewayGroup group(String namespace, String name) {
    return client.resources(NetworkGatewayGroup.class).inNamespace(namespace).withName(name).get();
  }
}

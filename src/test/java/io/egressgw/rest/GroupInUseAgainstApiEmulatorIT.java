package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Referential integrity against the embedded Kubernetes API emulator: a gateway group that policies
 * reference is not deleted, by the REST API (409 naming the policies) nor by the admission webhook,
 * unless the caller says so explicitly (REST: ?force=true; webhook: the group's annotation).
 */
@QuarkusTest
class GroupInUseAgainstApiEmulatorIT {
  private static final String GROUPS = "/v1/namespaces/{namespace}/gateway-groups";
  private static final String POLICIES = "/v1/egress-policies";

  @Inject KubernetesClient client;

  @Test
  void deletingAGroupThatPoliciesUseIs409NamingThemAndDeletesNothing() {
    String ns = "it-in-use";
    createGroup(ns, "gw", "192.168.50.1");
    createPolicy("in-use-b", ns, "gw");
    createPolicy("in-use-a", ns, "gw");

    given()
        .delete(GROUPS + "/gw", ns)
        .then()
        .statusCode(409)
        .contentType("application/problem+json")
        .body("type", equalTo("urn:egressgw:problem:in-use"))
        .body("detail", containsString("force=true"))
        .body("errors", hasSize(2))
        .body("errors[0].message", containsString("EgressNATPolicy in-use-a "))
        .body("errors[1].message", containsString("EgressNATPolicy in-use-b "));

    assertThat(group(ns, "gw")).isNotNull();
  }

  @Test
  void forceTrueDeletesAGroupInUse() {
    String ns = "it-in-use-force";
    createGroup(ns, "gw", "192.168.51.1");
    createPolicy("in-use-forced", ns, "gw");

    given().queryParam("force", "true").delete(GROUPS + "/gw", ns).then().statusCode(204);

    assertThat(group(ns, "gw")).isNull();
    given().get(GROUPS + "/gw", ns).then().statusCode(404);
  }

  @Test
  void aGroupNoPolicyUsesAnyMoreDeletesWithoutForce() {
    String ns = "it-in-use-freed";
    createGroup(ns, "gw", "192.168.52.1");
    createPolicy("in-use-freed", ns, "gw");
    given().delete(POLICIES + "/in-use-freed").then().statusCode(204);

    given().delete(GROUPS + "/gw", ns).then().statusCode(204);
    assertThat(group(ns, "gw")).isNull();
  }

  @Test
  void forceThatIsNotABooleanIs400NamingIt() {
    String ns = "it-in-use-bad-force";
    createGroup(ns, "gw", "192.168.53.1");

    given()
        .queryParam("force", "yes")
        .delete(GROUPS + "/gw", ns)
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("force"));
    assertThat(group(ns, "gw")).isNotNull();
  }

  @Test
  void theWebhookDeniesDeletingAGroupInUseUnlessItIsAnnotated() {
    String ns = "it-in-use-webhook";
    createGroup(ns, "gw", "192.168.54.1");
    createPolicy("in-use-webhook", ns, "gw");
    String stored = group(ns, "gw").getMetadata().getName();
    assertThat(stored).isEqualTo("gw");

    given()
        .contentType(ContentType.JSON)
        .body(deleteReview(ns, "gw", "{}"))
        .post("/admission/validate")
        .then()
        .statusCode(200)
        .body("response.uid", equalTo("u-del"))
        .body("response.allowed", equalTo(false))
        .body("response.status.code", equalTo(409))
        .body("response.status.message", containsString("in-use-webhook"))
        .body("response.status.message", containsString("egressgw.io/allow-delete-in-use=true"));

    given()
        .contentType(ContentType.JSON)
        .body(deleteReview(ns, "gw", "{\"egressgw.io/allow-delete-in-use\":\"true\"}"))
        .post("/admission/validate")
        .then()
        .statusCode(200)
        .body("response.allowed", equalTo(true));

    given()
        .contentType(ContentType.JSON)
        .body(deleteReview(ns, "unused", "{}"))
        .post("/admission/validate")
        .then()
        .statusCode(200)
        .body("response.allowed", equalTo(true));
  }

  /** What the API server posts for `kubectl delete ngg`: the stored object as oldObject. */
  private static String deleteReview(String ns, String name, String annotations) {
    return """
    {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
     "request":{"uid":"u-del","kind":{"group":"networking.gke.io","version":"v1",
                                      "kind":"NetworkGatewayGroup"},
                "resource":{"group":"networking.gke.io","version":"v1",
                            "resource":"networkgatewaygroups"},
                "namespace":"%s","name":"%s","operation":"DELETE","object":null,
                "oldObject":{"apiVersion":"networking.gke.io/v1","kind":"NetworkGatewayGroup",
                             "metadata":{"namespace":"%s","name":"%s","annotations":%s},
                             "spec":{"floatingIPs":["192.168.54.1"]}}}}\
    """
        .formatted(ns, name, ns, name, annotations);
  }

  private static void createGroup(String ns, String name, String ip) {
    given()
        .contentType("application/json")
        .body(ApiJson.group(name, ip))
        .post(GROUPS, ns)
        .then()
        .statusCode(201);
  }

  private static void createPolicy(String name, String ns, String group) {
    given()
        .contentType("application/json")
        .body(ApiJson.policy(name, ns, group, "203.0.113.0/24"))
        .post(POLICIES)
        .then()
        .statusCode(201);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> given().get(POLICIES + "/" + name).then().statusCode(200));
  }

  private NetworkGatewayGroup group(String namespace, String name) {
    return client.resources(NetworkGatewayGroup.class).inNamespace(namespace).withName(name).get();
  }
}

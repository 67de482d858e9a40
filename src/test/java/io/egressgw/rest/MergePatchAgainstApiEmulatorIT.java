package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PATCH with application/merge-patch+json (RFC 7396) against the embedded Kubernetes API emulator:
 * merged into the stored spec, labels and annotations, validated like PUT, with If-Match.
 */
@QuarkusTest
class MergePatchAgainstApiEmulatorIT {
  private static final String GROUPS = "/v1/namespaces/{namespace}/gateway-groups";
  private static final String POLICIES = "/v1/egress-policies";
  private static final String MERGE_PATCH = "application/merge-patch+json";

  @Inject KubernetesClient client;

  @Test
  void aMergePatchChangesOnlyWhatItNamesAndAnswersTheNewETag() {
    String ns = "it-patch";
    String opened = createGroup(ns, "gw", "192.168.60.1");
    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName("gw")
        .edit(
            g -> {
              g.getMetadata().setLabels(Map.of("team", "a", "tier", "prod"));
              g.getSpec().setNodeSelector(Map.of("node-type", "egressNat"));
              return g;
            });
    // The REST API reads from the informer cache, and the controller writes the group's status
    // meanwhile: a 412 here is a correct answer to a stale ETag, so the portal's loop (read, patch
    // with If-Match) runs until its ETag is current.
    String[] current = new String[1];
    io.restassured.response.Response[] answer = new io.restassured.response.Response[1];
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () -> {
              var read = given().get(GROUPS + "/gw", ns);
              if (!"prod".equals(read.path("metadata.labels.tier"))) {
                return false; // the cache has not seen the edit yet
              }
              current[0] = read.header("ETag");
              answer[0] =
                  given()
                      .contentType(MERGE_PATCH)
                      .header("If-Match", current[0])
                      .body(
                          "{\"metadata\":{\"labels\":{\"tier\":null,\"owner\":\"portal\"}},"
                              + "\"spec\":{\"floatingIPs\":[\"192.168.60.1\",\"192.168.60.2\"]}}")
                      .patch(GROUPS + "/gw", ns);
              return answer[0].statusCode() != 412;
            });

    String patched =
        answer[0]
            .then()
            .statusCode(200)
            .contentType("application/json")
            .body("spec.floatingIPs", contains("192.168.60.1", "192.168.60.2"))
            .body("spec.nodeSelector.node-type", equalTo("egressNat"))
            .body("metadata.labels.team", equalTo("a"))
            .body("metadata.labels.owner", equalTo("portal"))
            .body("metadata.labels.tier", nullValue())
            .extract()
            .header("ETag");

    NetworkGatewayGroup stored = group(ns, "gw");
    assertThat(stored.getSpec().getFloatingIPs()).containsExactly("192.168.60.1", "192.168.60.2");
    assertThat(stored.getMetadata().getLabels())
        .containsOnly(Map.entry("team", "a"), Map.entry("owner", "portal"));
    assertThat(patched).isNotIn(opened, current[0]);
    given().get(GROUPS + "/gw", ns).then().header("ETag", patched);
  }

  @Test
  void aPatchWithAStaleIfMatchIs412AndChangesNothing() {
    String ns = "it-patch-stale";
    String opened = createGroup(ns, "gw", "192.168.61.1");
    client
        .resources(NetworkGatewayGroup.class)
        .inNamespace(ns)
        .withName("gw")
        .edit(
            g -> {
              g.getSpec().setFloatingIPs(new ArrayList<>(List.of("192.168.61.9")));
              return g;
            });

    given()
        .contentType(MERGE_PATCH)
        .header("If-Match", opened)
        .body("{\"spec\":{\"floatingIPs\":[\"192.168.61.2\"]}}")
        .patch(GROUPS + "/gw", ns)
        .then()
        .statusCode(412)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("If-Match"));
    assertThat(group(ns, "gw").getSpec().getFloatingIPs()).containsExactly("192.168.61.9");
  }

  @Test
  void aPatchThatMakesTheObjectInvalidIsRefusedNamingTheFieldAndChangesNothing() {
    String ns = "it-patch-invalid";
    createGroup(ns, "gw", "192.168.62.1");

    given()
        .contentType(MERGE_PATCH)
        .body("{\"spec\":{\"floatingIPs\":[\"192.168.62.1\",\"192.168.62.999\"]}}")
        .patch(GROUPS + "/gw", ns)
        .then()
        .statusCode(422)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("spec.floatingIPs[1]"));
    given()
        .contentType(MERGE_PATCH)
        .body("{\"spec\":{\"floatingIP\":[\"192.168.62.2\"]}}")
        .patch(GROUPS + "/gw", ns)
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("spec.floatingIP"));
    given()
        .contentType(MERGE_PATCH)
        .body("{\"spec\":{\"floatingIPs\":[1]}}")
        .patch(GROUPS + "/gw", ns)
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("spec.floatingIPs[0]"));
    given()
        .contentType(MERGE_PATCH)
        .body("{\"metadata\":{\"name\":\"other\"}}")
        .patch(GROUPS + "/gw", ns)
        .then()
        .statusCode(422)
        .body("errors[0].field", equalTo("metadata.name"));
    given()
        .contentType(MERGE_PATCH)
        .body("[{\"op\":\"replace\"}]")
        .patch(GROUPS + "/gw", ns)
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("body"));

    assertThat(group(ns, "gw").getSpec().getFloatingIPs()).containsExactly("192.168.62.1");
  }

  @Test
  void aPatchOfAPolicyIsValidatedLikePutAndAStatusInItIsIgnored() {
    String ns = "it-patch-policy";
    createGroup(ns, "gw", "192.168.63.1");
    given()
        .contentType("application/json")
        .body(ApiJson.policy("patch-policy", ns, "gw", "203.0.113.0/24"))
        .post(POLICIES)
        .then()
        .statusCode(201);

    given()
        .contentType(MERGE_PATCH)
        .body("{\"spec\":{\"gatewayRef\":{\"name\":\"missing\"}}}")
        .patch(POLICIES + "/patch-policy")
        .then()
        .statusCode(422)
        .body("errors[0].field", equalTo("spec.gatewayRef"));
    given()
        .contentType(MERGE_PATCH)
        .body(
            "{\"spec\":{\"destinations\":[{\"cidr\":\"198.51.100.0/24\"}]},"
                + "\"status\":{\"egressIP\":\"192.168.63.1\"}}")
        .patch(POLICIES + "/patch-policy")
        .then()
        .statusCode(200)
        .body("spec.destinations[0].cidr", equalTo("198.51.100.0/24"))
        .body("spec.gatewayRef.name", equalTo("gw"));

    EgressNATPolicy stored = client.resources(EgressNATPolicy.class).withName("patch-policy").get();
    assertThat(stored.getSpec().getDestinations()).hasSize(1);
    assertThat(stored.getSpec().getDestinations().get(0).getCidr()).isEqualTo("198.51.100.0/24");
    assertThat(stored.getStatus()).isNull();
  }

  @Test
  void otherPatchFormatsAre415AndAMissingObjectIs404() {
    String ns = "it-patch-formats";
    createGroup(ns, "gw", "192.168.64.1");

    given()
        .contentType("application/json-patch+json")
        .body("[{\"op\":\"replace\",\"path\":\"/spec/floatingIPs/0\",\"value\":\"192.168.64.2\"}]")
        .patch(GROUPS + "/gw", ns)
        .then()
        .statusCode(415)
        .contentType("application/problem+json");
    given()
        .contentType(MERGE_PATCH)
        .body("{\"spec\":{}}")
        .patch(GROUPS + "/missing", ns)
        .then()
        .statusCode(404)
        .contentType("application/problem+json");
  }

  private static String createGroup(String ns, String name, String ip) {
    return given()
        .contentType("application/json")
        .body(ApiJson.group(name, ip))
        .post(GROUPS, ns)
        .then()
        .statusCode(201)
        .extract()
        .header("ETag");
  }

  private NetworkGatewayGroup group(String namespace, String name) {
    return client.resources(NetworkGatewayGroup.class).inNamespace(namespace).withName(name).get();
  }
}

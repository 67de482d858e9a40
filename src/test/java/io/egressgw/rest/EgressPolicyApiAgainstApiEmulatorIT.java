package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.egressgw.api.v1.Destination;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicySpec;
import io.egressgw.api.v1.GatewayRef;
import io.egressgw.api.v1.LabelSelector;
import io.egressgw.api.v1.SourceRule;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The egress-policy resource (cluster-scoped) against the embedded Kubernetes API emulator, in both
 * directions, plus the reference's own YAML posted as application/yaml.
 */
@QuarkusTest
class EgressPolicyApiAgainstApiEmulatorIT {
  private static final String GROUPS = "/v1/namespaces/{namespace}/gateway-groups";
  private static final String POLICIES = "/v1/egress-policies";

  @Inject KubernetesClient client;

  @BeforeEach
  void gatewayGroupExists() {
    if (given().get(GROUPS + "/policy-gw", "it-policies").statusCode() == 404) {
      given()
          .contentType("application/json")
          .body(ApiJson.group("policy-gw", "192.168.20.1"))
          .post(GROUPS, "it-policies")
          .then()
          .statusCode(201);
    }
  }

  @Test
  void restWritesAreKubernetesObjects() {
    Response created =
        given()
            .contentType("application/json")
            .body(ApiJson.policy("it-rest-policy", "it-policies", "policy-gw", "203.0.113.0/24"))
            .post(POLICIES);
    created
        .then()
        .statusCode(201)
        .header("Location", org.hamcrest.Matchers.endsWith("/v1/egress-policies/it-rest-policy"));
    assertThat(kube("it-rest-policy").getSpec().getDestinations())
        .extracting(Destination::getCidr)
        .containsExactly("203.0.113.0/24");

    String etag =
        given().get(POLICIES + "/it-rest-policy").then().statusCode(200).extract().header("ETag");
    given()
        .contentType("application/json")
        .header("If-Match", etag)
        .body(ApiJson.policy("it-rest-policy", "it-policies", "policy-gw", "198.51.100.0/24"))
        .put(POLICIES + "/it-rest-policy")
        .then()
        .statusCode(200);
    assertThat(kube("it-rest-policy").getSpec().getDestinations())
        .extracting(Destination::getCidr)
        .containsExactly("198.51.100.0/24");

    given().header("If-Match", etag).delete(POLICIES + "/it-rest-policy").then().statusCode(412);
    assertThat(kube("it-rest-policy")).isNotNull();
    given().delete(POLICIES + "/it-rest-policy").then().statusCode(204);
    assertThat(kube("it-rest-policy")).isNull();
  }

  @Test
  void kubernetesWritesAppearInRest() {
    EgressNATPolicy policy = new EgressNATPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("it-kubectl-policy").build());
    policy.setSpec(
        new EgressNATPolicySpec(
            new ArrayList<>(
                List.of(new SourceRule(null, new LabelSelector(Map.of("role", "frontend"))))),
            "SNAT",
            new ArrayList<>(List.of(new Destination("203.0.113.0/24"))),
            new GatewayRef("policy-gw", "it-policies")));

    client.resource(policy).create();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .get(POLICIES + "/it-kubectl-policy")
                    .then()
                    .statusCode(200)
                    .body("spec.gatewayRef.name", equalTo("policy-gw")));

    client
        .resources(EgressNATPolicy.class)
        .withName("it-kubectl-policy")
        .edit(
            p -> {
              p.getSpec().getDestinations().add(new Destination("198.51.100.0/24"));
              return p;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .get(POLICIES + "/it-kubectl-policy")
                    .then()
                    .statusCode(200)
                    .body("spec.destinations.cidr", contains("203.0.113.0/24", "198.51.100.0/24")));
    given()
        .get(POLICIES)
        .then()
        .statusCode(200)
        .body("kind", equalTo("EgressNATPolicyList"))
        .body("items.metadata.name", org.hamcrest.Matchers.hasItem("it-kubectl-policy"));

    client.resources(EgressNATPolicy.class).withName("it-kubectl-policy").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> given().get(POLICIES + "/it-kubectl-policy").then().statusCode(404));
  }

  @Test
  void theReferencesYamlCanBePostedAsIs() throws Exception {
    String groupYaml =
        resource("/reference/ngg-default-with-status.yaml").replace("kube-system", "it-reference");
    String policyYaml =
        resource("/reference/enp-egress.yaml")
            .replace("name: egress\n", "name: it-reference-egress\n")
            .replace("kube-system", "it-reference");

    given()
        .contentType("application/yaml")
        .body(groupYaml.getBytes(StandardCharsets.UTF_8))
        .post(GROUPS, "it-reference")
        .then()
        .statusCode(201)
        .body("spec.floatingIPs", contains("192.168.1.100", "192.168.1.101", "192.168.1.102"));
    given()
        .contentType("application/yaml")
        .body(policyYaml.getBytes(StandardCharsets.UTF_8))
        .post(POLICIES)
        .then()
        .statusCode(201)
        .body("spec.sources.size()", equalTo(2));

    assertThat(kube("it-reference-egress").getSpec().getGatewayRef().getNamespace())
        .isEqualTo("it-reference");
    given().delete(POLICIES + "/it-reference-egress").then().statusCode(204);
    given().delete(GROUPS + "/default", "it-reference").then().statusCode(204);
  }

  private EgressNATPolicy kube(String name) {
    return client.resources(EgressNATPolicy.class).withName(name).get();
  }

  private static String resource(String path) throws Exception {
    try (var in = EgressPolicyApiAgainstApiEmulatorIT.class.getResourceAsStream(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String labelled(String name, String labels) {
    return ApiJson.policy(name, "it-policies", "policy-gw", "203.0.113.0/24")
        .replace(
            "\"metadata\":{\"name\":\"" + name + "\"}",
            "\"metadata\":{\"name\":\"" + name + "\",\"labels\":" + labels + "}");
  }

  private static List<String> listed(String labelSelector) {
    return given()
        .queryParam("labelSelector", labelSelector)
        .get(POLICIES)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("items.metadata.name", String.class)
        .stream()
        .filter(n -> n.startsWith("it-sel-"))
        .toList();
  }

  @Test
  void theLabelSelectorOfAListIsHonouredInKubernetesSyntax() {
    // Arrange: three policies labelled by team (one unlabelled).
    for (String[] p :
        new String[][] {
          {"it-sel-a", "{\"team\":\"a\",\"tier\":\"web\"}"},
          {"it-sel-b", "{\"team\":\"b\"}"},
          {"it-sel-none", "{}"}
        }) {
      if (given().get(POLICIES + "/" + p[0]).statusCode() == 404) {
        given()
            .contentType("application/json")
            .body(labelled(p[0], p[1]))
            .post(POLICIES)
            .then()
            .statusCode(201);
      }
    }

    // Act and assert: each operator of the syntax.
    assertThat(listed("team=a")).containsExactly("it-sel-a");
    assertThat(listed("team!=a")).containsExactly("it-sel-b", "it-sel-none");
    assertThat(listed("team in (a,b)")).containsExactly("it-sel-a", "it-sel-b");
    assertThat(listed("team notin (a)")).containsExactly("it-sel-b", "it-sel-none");
    assertThat(listed("team")).containsExactly("it-sel-a", "it-sel-b");
    assertThat(listed("!team")).containsExactly("it-sel-none");
    assertThat(listed("team,tier=web")).containsExactly("it-sel-a");
    assertThat(listed("")).containsExactly("it-sel-a", "it-sel-b", "it-sel-none");
  }

  @Test
  void anInvalidLabelSelectorIs400NamingTheParameter() {
    given()
        .queryParam("labelSelector", "team in (a")
        .get(POLICIES)
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("labelSelector"));
  }
}

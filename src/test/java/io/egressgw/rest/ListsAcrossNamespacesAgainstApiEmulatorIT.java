package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes-style reads against the embedded Kubernetes API emulator: gateway groups of every
 * namespace at /v1/gateway-groups, fieldSelector on metadata.name and metadata.namespace, and a bad
 * fieldSelector answered as a problem naming it.
 */
@QuarkusTest
class ListsAcrossNamespacesAgainstApiEmulatorIT {
  private static final String GROUPS = "/v1/namespaces/{namespace}/gateway-groups";
  private static final String ALL_GROUPS = "/v1/gateway-groups";
  private static final String POLICIES = "/v1/egress-policies";

  @Test
  void gatewayGroupsOfEveryNamespaceListAndPageInNamespaceThenNameOrder() {
    createGroup("it-all-b", "gw1", "192.168.70.1");
    createGroup("it-all-a", "gw2", "192.168.70.2");
    createGroup("it-all-a", "gw1", "192.168.70.3");

    given()
        .get(ALL_GROUPS)
        .then()
        .statusCode(200)
        .body("kind", equalTo("NetworkGatewayGroupList"))
        .body("items.metadata.namespace", hasItems("it-all-a", "it-all-b"));

    List<String> seen = new ArrayList<>();
    String token = null;
    do {
      var request =
          given()
              .queryParam("limit", 2)
              .queryParam("labelSelector", "")
              .queryParam("fieldSelector", "metadata.namespace!=kube-system");
      if (token != null) {
        request.queryParam("continue", token);
      }
      JsonPath page = request.get(ALL_GROUPS).then().statusCode(200).extract().jsonPath();
      List<String> namespaces = page.getList("items.metadata.namespace");
      List<String> names = page.getList("items.metadata.name");
      for (int i = 0; i < names.size(); i++) {
        if (namespaces.get(i).startsWith("it-all-")) {
          seen.add(namespaces.get(i) + "/" + names.get(i));
        }
      }
      token = page.getString("metadata.continue");
    } while (token != null);
    assertThat(seen).containsExactly("it-all-a/gw1", "it-all-a/gw2", "it-all-b/gw1");
  }

  @Test
  void fieldSelectorPicksByNameAndNamespace() {
    createGroup("it-field-a", "field-gw", "192.168.71.1");
    createGroup("it-field-b", "field-gw", "192.168.71.2");
    createGroup("it-field-b", "other", "192.168.71.3");

    given()
        .queryParam("fieldSelector", "metadata.namespace=it-field-b")
        .get(ALL_GROUPS)
        .then()
        .statusCode(200)
        .body("items.metadata.name", contains("field-gw", "other"));
    given()
        .queryParam("fieldSelector", "metadata.name=field-gw,metadata.namespace!=it-field-a")
        .get(ALL_GROUPS)
        .then()
        .statusCode(200)
        .body("items.metadata.namespace", contains("it-field-b"));
    given()
        .queryParam("fieldSelector", "metadata.name!=field-gw")
        .get(GROUPS, "it-field-b")
        .then()
        .statusCode(200)
        .body("items.metadata.name", contains("other"));

    given()
        .contentType("application/json")
        .body(ApiJson.policy("it-field-policy", "it-field-a", "field-gw", "203.0.113.0/24"))
        .post(POLICIES)
        .then()
        .statusCode(201);
    given()
        .queryParam("fieldSelector", "metadata.name=it-field-policy")
        .get(POLICIES)
        .then()
        .statusCode(200)
        .body("items.metadata.name", contains("it-field-policy"));
  }

  @Test
  void aFieldSelectorOnAnotherFieldIs400NamingIt() {
    for (String path :
        List.of(ALL_GROUPS, POLICIES, "/v1/namespaces/it-field-bad/gateway-groups")) {
      given()
          .queryParam("fieldSelector", "spec.floatingIPs=192.168.1.1")
          .get(path)
          .then()
          .statusCode(400)
          .contentType("application/problem+json")
          .body("errors[0].field", equalTo("fieldSelector"));
    }
  }

  @Test
  void theListOfEveryNamespaceOnlyReads() {
    given()
        .contentType("application/json")
        .body(ApiJson.group("gw", "192.168.72.1"))
        .post(ALL_GROUPS)
        .then()
        .statusCode(405)
        .contentType("application/problem+json")
        .header("Allow", "GET");
  }

  private static void createGroup(String ns, String name, String ip) {
    given()
        .contentType("application/json")
        .body(ApiJson.group(name, ip))
        .post(GROUPS, ns)
        .then()
        .statusCode(201);
  }
}

package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quarkus.test.junit.QuarkusTest;
import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * openapi.yaml at the repository root is the contract; /q/openapi must say the same thing, and the
 * contract must describe the routes the application actually serves.
 */
@QuarkusTest
class OpenApiContractAgainstApiEmulatorIT {

  @Test
  void servedDocumentEqualsTheContractFile() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    String served =
        given()
            .queryParam("format", "json")
            .get("/q/openapi")
            .then()
            .statusCode(200)
            .extract()
            .asString();

    JsonNode servedTree = new ObjectMapper().readTree(served);

    assertThat(servedTree).isEqualTo(contract);
  }

  @Test
  void servedYamlIsTheSameDocumentToo() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    String served = given().get("/q/openapi").then().statusCode(200).extract().asString();

    assertThat(new YAMLMapper().readTree(served)).isEqualTo(contract);
  }

  @Test
  void everyOperationHasAnIdAndEveryErrorIsAProblem() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    List<String> operationIds = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = contract.get("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (String method : List.of("get", "post", "put", "patch", "delete")) {
        JsonNode op = path.getValue().get(method);
        if (op == null) {
          continue;
        }
        operationIds.add(op.get("operationId").asText());
        op.get("responses")
            .fields()
            .forEachRemaining(
                r -> {
                  if (r.getKey().startsWith("4")) {
                    String ref = r.getValue().path("$ref").asText();
                    JsonNode response =
                        contract.at(
                            "/components/responses/" + ref.substring(ref.lastIndexOf('/') + 1));
                    assertThat(
                            response.at("/content/application~1problem+json/schema/$ref").asText())
                        .as("%s %s %s", method, path.getKey(), r.getKey())
                        .isEqualTo("#/components/schemas/Problem");
                  }
                });
      }
    }
    assertThat(operationIds)
        .containsExactlyInAnyOrder(
            "listGatewayGroups",
            "listAllGatewayGroups",
            "createGatewayGroup",
            "getGatewayGroup",
            "replaceGatewayGroup",
            "patchGatewayGroup",
            "deleteGatewayGroup",
            "listEgressPolicies",
            "createEgressPolicy",
            "getEgressPolicy",
            "replaceEgressPolicy",
            "patchEgressPolicy",
            "deleteEgressPolicy");
  }

  @Test
  void theContractsExamplesAreAcceptedByTheServer() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    JsonNode group = contract.at("/components/examples/GatewayGroupGateway1/value");
    JsonNode policy = contract.at("/components/examples/EgressPolicy/value");
    ((com.fasterxml.jackson.databind.node.ObjectNode) group.get("metadata"))
        .put("namespace", "it-openapi");
    ((com.fasterxml.jackson.databind.node.ArrayNode) group.get("spec").get("floatingIPs"))
        .removeAll();
    ((com.fasterxml.jackson.databind.node.ArrayNode) group.get("spec").get("floatingIPs"))
        .add("192.168.40.1");
    ((com.fasterxml.jackson.databind.node.ObjectNode) policy.get("metadata"))
        .put("name", "it-openapi-egress");
    ((com.fasterxml.jackson.databind.node.ObjectNode) policy.get("spec").get("gatewayRef"))
        .put("name", "gateway1")
        .put("namespace", "it-openapi");

    given()
        .contentType("application/json")
        .body(group.toString())
        .post("/v1/namespaces/it-openapi/gateway-groups")
        .then()
        .statusCode(201);
    given()
        .contentType("application/json")
        .body(policy.toString())
        .post("/v1/egress-policies")
        .then()
        .statusCode(201);
    given().get("/q/swagger-ui/").then().statusCode(200);
  }
}

package io.egressgw.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract promises what every error answer is (issue 16): any operation can fail 500 ({@code
 * ProblemMappers#unexpected}), and every problem carries {@code errors}, so that a generated client
 * has a type for each answer and can rely on the list being there.
 */
class OpenApiErrorResponsesTest {

  @Test
  void everyOperationDocuments500AsAProblem() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    List<String> missing = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = contract.get("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (String method : List.of("get", "post", "put", "patch", "delete")) {
        JsonNode op = path.getValue().get(method);
        if (op == null) {
          continue;
        }
        JsonNode failed = resolve(contract, op.path("responses").path("500"));
        if (!failed
            .at("/content/application~1problem+json/schema/$ref")
            .asText()
            .endsWith("/Problem")) {
          missing.add(method + " " + path.getKey());
        }
      }
    }
    assertThat(missing).as("operations without a 500 problem").isEmpty();
  }

  /** A namespace that cannot be a Kubernetes name is 404 on every path that takes one. */
  @Test
  void everyOperationOnANamespacedPathDocuments404() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    List<String> missing = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = contract.get("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      if (!path.getKey().contains("{namespace}")) {
        continue;
      }
      for (String method : List.of("get", "post", "put", "patch", "delete")) {
        JsonNode op = path.getValue().get(method);
        if (op != null && op.path("responses").path("404").isMissingNode()) {
          missing.add(method + " " + path.getKey());
        }
      }
    }
    assertThat(missing).as("operations on a namespaced path without 404").isEmpty();
  }

  @Test
  void everyProblemCarriesErrors() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    List<String> required = new ArrayList<>();
    contract.at("/components/schemas/Problem/required").forEach(n -> required.add(n.asText()));

    assertThat(required).contains("type", "title", "status", "errors");
  }

  private static JsonNode resolve(JsonNode contract, JsonNode response) {
    String ref = response.path("$ref").asText();
    return ref.isEmpty() ? response : contract.at(ref.substring(1));
  }
}

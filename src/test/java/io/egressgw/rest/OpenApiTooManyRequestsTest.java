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
 * Every REST operation can be refused 429 before it runs: by the per-client rate limit ({@code
 * RestRateLimit}) and, for a token that needs a review, by a full review queue ({@code
 * RestAuthorizationFilter}). The contract must say so on each operation, with the Retry-After
 * header a client generator needs to back off (issue 15).
 */
class OpenApiTooManyRequestsTest {

  @Test
  void everyOperationDocuments429WithRetryAfter() throws Exception {
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
        JsonNode tooMany = resolve(contract, op.path("responses").path("429"));
        if (tooMany.isMissingNode()
            || tooMany.at("/headers/Retry-After/schema/type").asText().isEmpty()) {
          missing.add(method + " " + path.getKey());
        }
      }
    }
    assertThat(missing).as("operations without a 429 carrying Retry-After").isEmpty();
  }

  @Test
  void the429NamesTheRateLimitAndTheReviewQueue() throws Exception {
    JsonNode contract = new YAMLMapper().readTree(new File("openapi.yaml"));
    JsonNode tooMany =
        resolve(
            contract,
            contract.at(
                "/paths/~1v1~1namespaces~1{namespace}~1gateway-groups~1{name}/get/responses/429"));

    assertThat(tooMany.path("description").asText())
        .contains("rate limit")
        .contains("review queue");
  }

  private static JsonNode resolve(JsonNode contract, JsonNode response) {
    String ref = response.path("$ref").asText();
    if (ref.isEmpty()) {
      return response;
    }
    return contract.at(ref.substring(1));
  }
}

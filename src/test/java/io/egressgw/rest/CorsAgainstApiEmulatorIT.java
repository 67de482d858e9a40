package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A browser portal on another origin, with CORS switched on the way an operator does it, through
 * Quarkus' standard settings only (enabled and origins): the preflight of an If-Match PUT passes,
 * and browser code can read ETag, Location and Retry-After on the answers.
 */
@QuarkusTest
@TestProfile(CorsAgainstApiEmulatorIT.CorsOn.class)
class CorsAgainstApiEmulatorIT {
  private static final String PORTAL = "https://portal.example.com";
  private static final String GROUPS = "/v1/namespaces/it-cors/gateway-groups";

  /** Only what an operator sets: no exposed-headers, which the application must supply. */
  public static class CorsOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.http.cors.enabled", "true", "quarkus.http.cors.origins", PORTAL);
    }
  }

  private static List<String> exposed(Response response) {
    String header = response.header("Access-Control-Expose-Headers");
    assertThat(header).as("Access-Control-Expose-Headers").isNotNull();
    return Arrays.stream(header.split(","))
        .map(String::trim)
        .map(h -> h.toLowerCase(Locale.ROOT))
        .toList();
  }

  @Test
  void thePreflightOfAConditionalReplaceIsAllowed() {
    Response preflight =
        given()
            .header("Origin", PORTAL)
            .header("Access-Control-Request-Method", "PUT")
            .header("Access-Control-Request-Headers", "authorization,content-type,if-match")
            .options(GROUPS + "/some-group");

    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(PORTAL);
    assertThat(preflight.header("Access-Control-Allow-Methods")).contains("PUT");
    assertThat(preflight.header("Access-Control-Allow-Headers").toLowerCase(Locale.ROOT))
        .contains("if-match")
        .contains("authorization");
  }

  @Test
  void browserCodeCanReadTheETagAndLocationOfACreatedObject() {
    Response created =
        given()
            .header("Origin", PORTAL)
            .contentType("application/json")
            .body(ApiJson.group("cors-group", "192.168.40.1"))
            .post(GROUPS);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.header("ETag")).isNotBlank();
    assertThat(created.header("Location")).endsWith(GROUPS + "/cors-group");
    assertThat(created.header("Access-Control-Allow-Origin")).isEqualTo(PORTAL);
    assertThat(exposed(created)).contains("etag", "location", "retry-after");
  }

  @Test
  void anErrorAnswerExposesTheSameHeaders() {
    Response missing = given().header("Origin", PORTAL).get(GROUPS + "/no-such-group");

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.header("Access-Control-Allow-Origin")).isEqualTo(PORTAL);
    assertThat(exposed(missing)).contains("etag", "location", "retry-after");
  }
}

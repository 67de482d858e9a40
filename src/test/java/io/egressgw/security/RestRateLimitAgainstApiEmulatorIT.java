package io.egressgw.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the REST API's per-client rate limit, against the Kubernetes API emulator (the fabric8
 * mock server in CRUD mode): with a burst of 3 and 1 request a second, a client's fourth call in a
 * row is refused 429 problem+json with Retry-After, before anything else looks at it; the agent
 * channel and the health endpoints are not limited.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(RestRateLimitAgainstApiEmulatorIT.TightLimit.class)
class RestRateLimitAgainstApiEmulatorIT {
  /** Health is on the management interface, not the API port. */
  @TestHTTPResource(value = "/health/live", management = true)
  URL health;

  static final String POLICIES = "/v1/egress-policies";

  /** A tight limit so that a test reaches it at once; authorisation off. */
  public static class TightLimit implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "egressgw.kubernetes", "cluster",
          "egressgw.rest.auth.mode", "none",
          "egressgw.rest.rate-limit.enabled", "true",
          "egressgw.rest.rate-limit.requests-per-second", "0.01",
          "egressgw.rest.rate-limit.burst", "3");
    }
  }

  @Test
  void aClientBeyondItsBurstIsRefused429WithRetryAfterAndTheChannelIsNotLimited() {
    // Arrange: the burst (the test's client is one address for every call).
    for (int i = 0; i < 3; i++) {
      given().when().get(POLICIES).then().statusCode(not(equalTo(429)));
    }

    // Act + assert: the next call is refused before it reaches the API.
    String retryAfter =
        given()
            .when()
            .get(POLICIES + "/anything")
            .then()
            .statusCode(429)
            .contentType("application/problem+json")
            .body("status", equalTo(429))
            .body("type", equalTo("urn:egressgw:problem:too-many-requests"))
            .extract()
            .header("Retry-After");
    assertTrue(Long.parseLong(retryAfter) >= 1, "Retry-After " + retryAfter);

    // Neither the agent channel (agents call at their own cadence) nor health is limited.
    for (int i = 0; i < 5; i++) {
      given()
          .contentType("application/json")
          .body("{}")
          .when()
          .post("/v1/agents/node-a/heartbeat")
          .then()
          .statusCode(not(equalTo(429)));
      given().when().get(health).then().statusCode(200);
    }
  }
}

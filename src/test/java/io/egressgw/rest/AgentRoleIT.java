package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.egressgw.kube.KubernetesApiEmulator;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * In the agent role the public REST API is not served and no Kubernetes API emulator is started.
 */
@QuarkusTest
@TestProfile(AgentRoleIT.Agent.class)
class AgentRoleIT {

  public static class Agent implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("egressgw.role", "agent");
    }
  }

  @Inject KubernetesApiEmulator emulator;

  // relative to the management root path, /q
  @TestHTTPResource(value = "/health/live", management = true)
  URL managementHealth;

  @TestHTTPResource(value = "/metrics", management = true)
  URL managementMetrics;

  @Test
  void publicApiIsNotServed() {
    given()
        .get("/v1/egress-policies")
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("detail", org.hamcrest.Matchers.containsString("controller role"));
    given()
        .contentType("application/json")
        .body("{}")
        .post("/v1/namespaces/kube-system/gateway-groups")
        .then()
        .statusCode(404)
        .body("status", equalTo(404));
  }

  @Test
  void theAgentsPortServesHealthAndMetricsOnly() {
    given()
        .contentType("application/json")
        .body("{}")
        .post("/admission/validate")
        .then()
        .statusCode(404)
        .contentType("application/problem+json");
    given().get("/q/openapi").then().statusCode(404);
    given().get("/q/swagger-ui/").then().statusCode(404);
    given().get("/ui/").then().statusCode(404).contentType("application/problem+json");
    given().get("/ui/app.js").then().statusCode(404);
  }

  /** Health and metrics live on the management port (9090 on the node address in a cluster). */
  @Test
  void healthAndMetricsAreServedOnTheManagementPortOnly() {
    given().get(managementHealth).then().statusCode(200);
    given().get(managementMetrics).then().statusCode(200);
    given().get("/q/health/live").then().statusCode(404);
    given().get("/q/metrics").then().statusCode(404);
  }

  @Test
  void noEmulatorIsStarted() {
    assertThat(emulator.isRunning()).isFalse();
  }
}

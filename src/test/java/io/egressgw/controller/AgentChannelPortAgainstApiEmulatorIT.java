package io.egressgw.controller;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: with {@code egressgw.controller.channel.port} set, the agent channel is answered on its
 * own port only (which a NetworkPolicy opens to node addresses alone), and that port answers
 * nothing else: real HTTP on both listeners, each refusal a 404 problem+json.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(AgentChannelPortAgainstApiEmulatorIT.OwnChannelPort.class)
class AgentChannelPortAgainstApiEmulatorIT {

  public static class OwnChannelPort extends ApiEmulatorProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
      overrides.put("egressgw.controller.channel.port", "0");
      return overrides;
    }
  }

  @Inject AgentAuthenticator auth;
  @Inject AgentChannelListener listener;

  RequestSpecification onChannelPort() {
    return given().port(listener.port().orElseThrow());
  }

  String heartbeat(String node) {
    return AgentChannelAuthAgainstApiEmulatorIT.report(node);
  }

  @Test
  void theChannelHasAPortOfItsOwn() {
    assertThat(listener.port()).isPresent();
  }

  @Test
  void anAgentsHeartbeatIsAnsweredOnTheChannelPort() {
    onChannelPort()
        .header("Authorization", "Bearer " + auth.tokens().tokenFor("node-b"))
        .contentType(ContentType.JSON)
        .body(heartbeat("node-b"))
        .when()
        .post("/v1/agents/node-b/heartbeat")
        .then()
        .statusCode(200);
  }

  @Test
  void theApiPortRefusesTheAgentChannelEvenWithAValidToken() {
    given()
        .header("Authorization", "Bearer " + auth.tokens().tokenFor("node-b"))
        .contentType(ContentType.JSON)
        .body(heartbeat("node-b"))
        .when()
        .post("/v1/agents/node-b/heartbeat")
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("detail", containsString("own port"));
  }

  @Test
  void theApiPortRefusesAChannelPathSpelledWithAnEncodedLetter() {
    given()
        .urlEncodingEnabled(false)
        .header("Authorization", "Bearer " + auth.tokens().tokenFor("node-b"))
        .when()
        .get("/v1/%61gents/node-b/program?after=0")
        .then()
        .statusCode(404)
        .body("detail", containsString("own port"));
  }

  @Test
  void theChannelPortRefusesTheRestApiTheWebhookAndTheContract() {
    onChannelPort()
        .when()
        .get("/v1/egress-policies")
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("detail", containsString("agent channel"));
    onChannelPort()
        .contentType(ContentType.JSON)
        .body("{}")
        .when()
        .post("/admission/validate")
        .then()
        .statusCode(404);
    onChannelPort().when().get("/q/openapi").then().statusCode(404);
    onChannelPort().when().get("/ui/").then().statusCode(404);
  }

  @Test
  void theApiPortStillServesTheRestApi() {
    given().when().get("/v1/egress-policies").then().statusCode(equalTo(200));
  }
}

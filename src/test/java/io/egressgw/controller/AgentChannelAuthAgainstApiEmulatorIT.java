package io.egressgw.controller;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Agent authentication on the channel's endpoints (node-token mode, the embedded/lab default), with
 * the fabric8 API mock server standing in for Kubernetes: no or a bad token is 401, a valid token
 * of another node 403, the node's own token 200; a replica that does not lead answers 503.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@io.quarkus.test.junit.TestProfile(ApiEmulatorProfile.class)
class AgentChannelAuthAgainstApiEmulatorIT {
  @Inject AgentAuthenticator auth;
  @Inject Leadership leadership;
  @Inject Clock clock;

  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir")
  String tokenDir;

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  static String report(String node) {
    return "{\"node\":\""
        + node
        + "\",\"agentId\":\"a1\",\"nodeIP\":\"192.168.1.21\","
        + "\"subnets\":[\"192.168.1.21/24\"],\"appliedGeneration\":0,\"heldFloatingIPs\":[],\"counters\":{}}";
  }

  static Stream<Arguments> credentials() {
    return Stream.of(
        Arguments.of("no Authorization header", null, 401),
        Arguments.of("not a bearer token", "Basic YWdlbnQ6c2VjcmV0", 401),
        Arguments.of("garbage token", "Bearer nonsense", 401),
        Arguments.of(
            "node-b's name with a forged MAC",
            "Bearer node-b.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            401),
        Arguments.of("node-a's valid token presented for node-b", "VALID:node-a", 403),
        Arguments.of("node-b's own token", "VALID:node-b", 200));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("credentials")
  void heartbeatAuthentication(String description, String authorization, int expected) {
    String header =
        authorization != null && authorization.startsWith("VALID:")
            ? "Bearer " + auth.tokens().tokenFor(authorization.substring(6))
            : authorization;
    var request = given().contentType(ContentType.JSON).body(report("node-b"));
    if (header != null) {
      request = request.header("Authorization", header);
    }
    var answer = request.when().post("/v1/agents/node-b/heartbeat").then().statusCode(expected);
    if (expected != 200) {
      isProblem(answer, expected, "/v1/agents/node-b");
    }
    if (expected == 401) {
      answer.header("WWW-Authenticate", "Bearer realm=\"egressgw-agent\"");
    }
  }

  /** The review queue full (a flood): 429, problem+json, with the Retry-After agents obey. */
  @Test
  void aFullReviewQueueIsAnswered429AsAProblemWithRetryAfter() {
    jakarta.ws.rs.core.Response busy = AgentChannelResource.refusal(AuthOutcome.BUSY, "node-z");
    assertEquals(429, busy.getStatus());
    assertEquals("application/problem+json", busy.getMediaType().toString());
    assertEquals(
        String.valueOf(io.egressgw.security.ReviewQueue.RETRY_AFTER_SECONDS),
        busy.getHeaderString("Retry-After"));
    String body = String.valueOf(busy.getEntity());
    assertTrue(body.contains("\"status\":429"), body);
    assertTrue(body.contains("\"instance\":\"/v1/agents/node-z\""), body);
    assertTrue(body.contains("too-many-requests"), body);
  }

  /** Every refusal on the channel is problem+json, like the REST API's (issue 15). */
  static void isProblem(
      io.restassured.response.ValidatableResponse answer, int status, String instance) {
    answer
        .contentType("application/problem+json")
        .body("status", org.hamcrest.Matchers.equalTo(status))
        .body("instance", org.hamcrest.Matchers.equalTo(instance))
        .body("type", org.hamcrest.Matchers.startsWith("urn:egressgw:problem:"))
        .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()));
  }

  @ParameterizedTest(name = "program poll: {0} -> {2}")
  @MethodSource("credentials")
  void programPollAuthentication(String description, String authorization, int expected) {
    String header =
        authorization != null && authorization.startsWith("VALID:")
            ? "Bearer " + auth.tokens().tokenFor(authorization.substring(6))
            : authorization;
    var request = given();
    if (header != null) {
      request = request.header("Authorization", header);
    }
    int status =
        request.when().get("/v1/agents/node-b/program?after=0").then().extract().statusCode();
    // An authenticated poll either gets a program (200) or times out with nothing new (204).
    if (expected == 200) {
      assertTrue(status == 200 || status == 204, "status " + status);
    } else {
      assertEquals(expected, status);
    }
  }

  @Test
  void theControllerIssuesEachNodeATokenFileThatAuthenticatesIt() throws Exception {
    auth.issue("node-c");
    Path file = Path.of(tokenDir, "node-c.token");
    String token = Files.readString(file).trim();
    given()
        .contentType(ContentType.JSON)
        .body(report("node-c"))
        .header("Authorization", "Bearer " + token)
        .when()
        .post("/v1/agents/node-c/heartbeat")
        .then()
        .statusCode(200);
    assertEquals(
        List.of("OWNER_READ", "OWNER_WRITE"),
        Files.getPosixFilePermissions(file).stream().map(Enum::name).sorted().toList());
  }

  @Test
  void aReplicaThatDoesNotLeadAnswers503() {
    String token = "Bearer " + auth.tokens().tokenFor("node-d");
    leadership.stopped();
    try {
      given()
          .contentType(ContentType.JSON)
          .body(report("node-d"))
          .header("Authorization", token)
          .when()
          .post("/v1/agents/node-d/heartbeat")
          .then()
          .statusCode(503)
          .header("Retry-After", "1")
          .header("Connection", "close");
      isProblem(
          given()
              .header("Authorization", token)
              .when()
              .get("/v1/agents/node-d/program?after=0")
              .then()
              .statusCode(503),
          503,
          "/v1/agents/node-d");
    } finally {
      leadership.started(clock.instant());
    }
  }

  @Test
  void aReportForAnotherNodeIsRefused() {
    given()
        .contentType(ContentType.JSON)
        .body(report("node-a"))
        .header("Authorization", "Bearer " + auth.tokens().tokenFor("node-b"))
        .when()
        .post("/v1/agents/node-b/heartbeat")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", org.hamcrest.Matchers.containsString("path's node node-b"));
  }

  @Test
  void aMalformedReportIs400OnlyAfterAuthentication() {
    given()
        .contentType(ContentType.JSON)
        .body("{}")
        .when()
        .post("/v1/agents/node-b/heartbeat")
        .then()
        .statusCode(401);
    given()
        .contentType(ContentType.JSON)
        .body("{}")
        .header("Authorization", "Bearer " + auth.tokens().tokenFor("node-b"))
        .when()
        .post("/v1/agents/node-b/heartbeat")
        .then()
        .statusCode(400);
  }

  /**
   * Issue 15: a caller without a valid credential is refused before the controller reads its body
   * (here one that announces 60,000 bytes and never sends them), so it cannot make the controller
   * buffer bodies it has not authenticated.
   */
  @Test
  void aCallerWithoutAValidCredentialIsRefusedBeforeItsBodyIsRead() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("POST /v1/agents/node-b/heartbeat HTTP/1.1\r\n"
                      + "Host: localhost\r\n"
                      + "Authorization: Bearer nonsense\r\n"
                      + "Content-Type: application/json\r\n"
                      + "Content-Length: 60000\r\n\r\n{")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();

      String statusLine =
          new java.io.BufferedReader(
                  new java.io.InputStreamReader(
                      socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
              .readLine();

      assertEquals("HTTP/1.1 401 Unauthorized", statusLine);
    }
  }
}

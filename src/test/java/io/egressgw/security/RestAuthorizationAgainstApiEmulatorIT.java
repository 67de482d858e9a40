package io.egressgw.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST API obeys the cluster's RBAC, checked against the Kubernetes API emulator (the fabric8
 * mock server in CRUD mode, with TokenReview and SubjectAccessReview answers scripted here as an
 * API server with its users would give them): alice and carol may only read, admin may do
 * everything, dave is known but may do nothing.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(RestAuthorizationAgainstApiEmulatorIT.EnforcedAuth.class)
class RestAuthorizationAgainstApiEmulatorIT {
  /** Health is on the management interface, not the API port. */
  @TestHTTPResource(value = "/health/live", management = true)
  URL health;

  static final ObjectMapper JSON = new ObjectMapper();
  static final String GROUPS = "/v1/namespaces/kube-system/gateway-groups";
  static final String GROUP_BODY =
      """
      {"apiVersion":"networking.gke.io/v1","kind":"NetworkGatewayGroup",
       "metadata":{"namespace":"kube-system","name":"authz"},
       "spec":{"floatingIPs":["192.168.1.150"]}}\
      """;

  /** Enforces Kubernetes authorisation and points the client at the test server. */
  public static class EnforcedAuth implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("egressgw.rest.auth.mode", "kubernetes", "egressgw.kubernetes", "cluster");
    }
  }

  /** TokenReviews and SubjectAccessReviews the API server was asked for. */
  static final java.util.concurrent.atomic.AtomicInteger TOKEN_REVIEWS =
      new java.util.concurrent.atomic.AtomicInteger();

  static final java.util.concurrent.atomic.AtomicInteger ACCESS_REVIEWS =
      new java.util.concurrent.atomic.AtomicInteger();

  @KubernetesTestServer KubernetesServer server;
  @Inject KubernetesClient client;

  @BeforeEach
  void scriptTheApiServersReviews() {
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReply(
            201,
            req -> {
              TOKEN_REVIEWS.incrementAndGet();
              TokenReview in = read(req.getBody().readUtf8(), TokenReview.class);
              String user =
                  Map.of(
                          "alice-token",
                          "alice",
                          "admin-token",
                          "admin",
                          "carol-token",
                          "carol",
                          "dave-token",
                          "dave")
                      .get(in.getSpec().getToken());
              return new TokenReviewBuilder(in)
                  .withNewStatus()
                  .withAuthenticated(user != null)
                  .withNewUser()
                  .withUsername(user)
                  .withGroups(List.of("system:authenticated"))
                  .endUser()
                  .endStatus()
                  .build();
            })
        .always();
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
        .andReply(
            201,
            req -> {
              ACCESS_REVIEWS.incrementAndGet();
              SubjectAccessReview in = read(req.getBody().readUtf8(), SubjectAccessReview.class);
              var attrs = in.getSpec().getResourceAttributes();
              boolean allowed =
                  "admin".equals(in.getSpec().getUser())
                      || (Set.of("alice", "carol").contains(in.getSpec().getUser())
                          && Set.of("get", "list").contains(attrs.getVerb())
                          && "networking.gke.io".equals(attrs.getGroup()));
              return new SubjectAccessReviewBuilder(in)
                  .withNewStatus()
                  .withAllowed(allowed)
                  .withReason(allowed ? "" : "RBAC: no rule allows " + attrs.getVerb())
                  .endStatus()
                  .build();
            })
        .always();
  }

  static <T> T read(String json, Class<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aCallWithoutATokenIsUnauthorized() {
    given()
        .when()
        .get(GROUPS)
        .then()
        .statusCode(401)
        .contentType("application/problem+json")
        .header("WWW-Authenticate", "Bearer")
        .body("status", equalTo(401));
  }

  @Test
  void aTokenTheClusterDoesNotKnowIsUnauthorized() {
    given()
        .header("Authorization", "Bearer forged")
        .when()
        .get(GROUPS)
        .then()
        .statusCode(401)
        .body("detail", containsString("not valid"));
  }

  @Test
  void aReaderMayListButNotCreateAndNothingIsStored() throws Exception {
    given().header("Authorization", "Bearer alice-token").when().get(GROUPS).then().statusCode(200);

    String body =
        given()
            .header("Authorization", "Bearer alice-token")
            .contentType("application/json")
            .body(GROUP_BODY)
            .when()
            .post(GROUPS)
            .then()
            .statusCode(403)
            .contentType("application/problem+json")
            .extract()
            .asString();
    JsonNode problem = JSON.readTree(body);
    assertThat(problem.path("detail").asText())
        .contains("alice")
        .contains("create networkgatewaygroups in namespace kube-system");
    assertThat(
            client
                .resources(NetworkGatewayGroup.class)
                .inNamespace("kube-system")
                .withName("authz")
                .get())
        .isNull();
  }

  @Test
  void anAdminMayCreateAndDelete() {
    given()
        .header("Authorization", "Bearer admin-token")
        .contentType("application/json")
        .body(GROUP_BODY)
        .when()
        .post(GROUPS)
        .then()
        .statusCode(201);
    assertThat(
            client
                .resources(NetworkGatewayGroup.class)
                .inNamespace("kube-system")
                .withName("authz")
                .get())
        .isNotNull();
    given()
        .header("Authorization", "Bearer admin-token")
        .when()
        .delete(GROUPS + "/authz")
        .then()
        .statusCode(org.hamcrest.Matchers.anyOf(equalTo(200), equalTo(204)));
  }

  @Test
  void healthAndTheContractNeedNoToken() {
    given().when().get(health).then().statusCode(200);
  }

  /**
   * Issue 15: reviews are cached, so a client's repeated calls cost one TokenReview and one
   * SubjectAccessReview (not two API calls each), and a junk token repeated costs one review.
   */
  @Test
  void repeatedCallsReuseTheReviewsAndAJunkTokenIsReviewedOnce() {
    int tokenReviews = TOKEN_REVIEWS.get();
    int accessReviews = ACCESS_REVIEWS.get();

    for (int i = 0; i < 5; i++) {
      given()
          .header("Authorization", "Bearer carol-token")
          .when()
          .get(GROUPS)
          .then()
          .statusCode(200);
      given()
          .header("Authorization", "Bearer junk-repeated")
          .when()
          .get(GROUPS)
          .then()
          .statusCode(401);
    }

    assertThat(TOKEN_REVIEWS.get() - tokenReviews).isEqualTo(2); // carol's and the junk token
    assertThat(ACCESS_REVIEWS.get() - accessReviews).isEqualTo(1);
  }

  /**
   * A refusal by authorisation has the shape of every other error of the API (issue 16): our
   * problem type, and an {@code errors} list, naming the header or path parameter to fix where
   * there is one.
   */
  @Test
  void refusalsByAuthorisationHaveTheOneProblemShapeWithErrors() throws Exception {
    JsonNode noToken = problem(given().when().get(GROUPS).then().statusCode(401));
    assertThat(noToken.path("type").asText()).isEqualTo("urn:egressgw:problem:unauthorized");
    assertThat(noToken.path("errors").isArray()).as("errors of %s", noToken).isTrue();
    assertThat(noToken.at("/errors/0/field").asText()).isEqualTo("Authorization");

    JsonNode badToken =
        problem(
            given()
                .header("Authorization", "Bearer forged")
                .when()
                .get(GROUPS)
                .then()
                .statusCode(401));
    assertThat(badToken.at("/errors/0/field").asText()).isEqualTo("Authorization");

    JsonNode forbidden =
        problem(
            given()
                .header("Authorization", "Bearer dave-token")
                .when()
                .get(GROUPS)
                .then()
                .statusCode(403));
    assertThat(forbidden.path("type").asText()).isEqualTo("urn:egressgw:problem:forbidden");
    assertThat(forbidden.path("errors").isArray()).as("errors of %s", forbidden).isTrue();

    JsonNode badName =
        problem(
            given().when().get("/v1/namespaces/Not_A_Name/gateway-groups").then().statusCode(404));
    assertThat(badName.path("type").asText()).isEqualTo("urn:egressgw:problem:not-found");
    assertThat(badName.at("/errors/0/field").asText()).isEqualTo("namespace");
  }

  private static JsonNode problem(io.restassured.response.ValidatableResponse response)
      throws Exception {
    return JSON.readTree(response.contentType("application/problem+json").extract().asString());
  }

  /** A watch is authorised like a list: no token 401, a user who may not list 403, both typed. */
  @Test
  void aWatchNeedsATokenAndTheRightToList() {
    for (String accept : List.of("application/json", "text/event-stream")) {
      given()
          .accept(accept)
          .queryParam("watch", "true")
          .queryParam("timeoutSeconds", 1)
          .when()
          .get(GROUPS)
          .then()
          .statusCode(401)
          .contentType("application/problem+json")
          .header("WWW-Authenticate", "Bearer");
      given()
          .header("Authorization", "Bearer dave-token")
          .accept(accept)
          .queryParam("watch", "true")
          .queryParam("timeoutSeconds", 1)
          .when()
          .get("/v1/egress-policies")
          .then()
          .statusCode(403)
          .contentType("application/problem+json")
          .body("detail", containsString("dave"));
      given()
          .header("Authorization", "Bearer alice-token")
          .accept(accept)
          .queryParam("watch", "true")
          .queryParam("timeoutSeconds", 1)
          .when()
          .get(GROUPS)
          .then()
          .statusCode(200)
          .contentType(accept);
    }
  }

  /** The status page's files are public; the data it shows needs a token like any other call. */
  @Test
  void theStatusPageIsPublicButItsDataNeedsAToken() {
    given().when().get("/ui/").then().statusCode(200).contentType(containsString("text/html"));
    given().when().get("/ui/app.js").then().statusCode(200);
    given().when().get("/v1/gateway-groups").then().statusCode(401);
    given()
        .header("Authorization", "Bearer alice-token")
        .when()
        .get("/v1/gateway-groups")
        .then()
        .statusCode(200);
  }
}

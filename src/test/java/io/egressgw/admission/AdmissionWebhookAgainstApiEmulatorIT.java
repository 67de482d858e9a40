package io.egressgw.admission;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * The webhook endpoint over HTTP, as the API server calls it, with the stored gateway groups of the
 * embedded Kubernetes API emulator behind the cross-object rules.
 */
@QuarkusTest
class AdmissionWebhookAgainstApiEmulatorIT {
  static final String GROUP =
      """
      {"apiVersion":"networking.gke.io/v1","kind":"NetworkGatewayGroup",
       "metadata":{"namespace":"kube-system","name":"webhook-owner"},"spec":{"floatingIPs":["192.168.1.190"]}}\
      """;

  @Test
  void aBadObjectIsDeniedWithTheFieldAndAGoodOneAllowed() {
    given()
        .contentType(ContentType.JSON)
        .body(GROUP)
        .when()
        .post("/v1/namespaces/kube-system/gateway-groups")
        .then()
        .statusCode(201);

    given()
        .contentType(ContentType.JSON)
        .body(
            AdmissionReviewerTest.review(
                "CREATE",
                "NetworkGatewayGroup",
                AdmissionReviewerTest.group("thief", "\"192.168.1.190\"")))
        .when()
        .post("/admission/validate")
        .then()
        .statusCode(200)
        .body("response.uid", equalTo("u-1"))
        .body("response.allowed", equalTo(false))
        .body("response.status.code", equalTo(409))
        .body("response.status.message", containsString("spec.floatingIPs[0]"))
        .body("response.status.message", containsString("kube-system/webhook-owner"));

    given()
        .contentType(ContentType.JSON)
        .body(
            AdmissionReviewerTest.review(
                "CREATE",
                "EgressNATPolicy",
                AdmissionReviewerTest.policy(
                    "{\"cidr\":\"203.0.113.0/24\"}", "webhook-owner", "SNAT")))
        .when()
        .post("/admission/validate")
        .then()
        .statusCode(200)
        .body("response.allowed", equalTo(true));

    given()
        .contentType(ContentType.JSON)
        .body(
            AdmissionReviewerTest.review(
                "CREATE",
                "EgressNATPolicy",
                AdmissionReviewerTest.policy("{\"cidr\":\"203.0.113.0/24\"}", "missing", "SNAT")))
        .when()
        .post("/admission/validate")
        .then()
        .statusCode(200)
        .body("response.allowed", equalTo(false))
        .body("response.status.code", equalTo(422))
        .body("response.status.message", containsString("spec.gatewayRef"));
  }
}

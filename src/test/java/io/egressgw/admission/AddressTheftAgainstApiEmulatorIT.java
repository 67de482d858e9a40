package io.egressgw.admission;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.egressgw.kube.NodeAddressBook;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No address theft (issue 15): a gateway group whose floating IP is worker2's own address, its
 * subnet's network or broadcast address, link-local, loopback or multicast is refused with 422 and
 * the field path, through the REST API and through the admission webhook alike.
 */
@QuarkusTest
class AddressTheftAgainstApiEmulatorIT {
  @Inject KubernetesClient client;
  @Inject NodeAddressBook nodes;

  @BeforeEach
  void worker2IsANodeOn192Dot168Dot1() {
    if (client.nodes().withName("worker2").get() == null) {
      client
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName("worker2")
                  .endMetadata()
                  .withNewStatus()
                  .addNewAddress()
                  .withType("InternalIP")
                  .withAddress("192.168.1.2")
                  .endAddress()
                  .endStatus()
                  .build())
          .create();
    }
    nodes.reported("worker2", List.of("192.168.1.2/24"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> nodes.networks().stream().anyMatch(n -> n.addresses().contains("192.168.1.2")));
  }

  static Stream<Arguments> stolen() {
    return Stream.of(
        Arguments.of("worker2's own address", "192.168.1.2"),
        Arguments.of("the segment's network address", "192.168.1.0"),
        Arguments.of("the segment's broadcast address", "192.168.1.255"),
        Arguments.of("the cloud metadata address (link-local)", "169.254.169.254"),
        Arguments.of("loopback", "127.0.0.1"),
        Arguments.of("multicast", "224.0.0.1"),
        Arguments.of("reserved: 0.0.0.0/8 (this network)", "0.0.0.1"),
        Arguments.of("reserved: 240.0.0.0/4", "240.0.0.1"));
  }

  static String group(String name, String ip) {
    return """
    {"apiVersion":"networking.gke.io/v1","kind":"NetworkGatewayGroup",
     "metadata":{"namespace":"default","name":"%s"},
     "spec":{"floatingIPs":["192.168.1.120","%s"]}}\
    """
        .formatted(name, ip);
  }

  @ParameterizedTest(name = "REST: {0}")
  @MethodSource("stolen")
  void theRestApiRefusesIt(String desc, String ip) {
    given()
        .contentType(ContentType.JSON)
        .body(group("thief", ip))
        .when()
        .post("/v1/namespaces/default/gateway-groups")
        .then()
        .statusCode(422)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("spec.floatingIPs[1]"));
  }

  @ParameterizedTest(name = "webhook: {0}")
  @MethodSource("stolen")
  void theWebhookRefusesIt(String desc, String ip) {
    given()
        .contentType(ContentType.JSON)
        .body(
            AdmissionReviewerTest.review(
                "CREATE",
                "NetworkGatewayGroup",
                AdmissionReviewerTest.group("thief", "\"192.168.1.120\",\"" + ip + "\"")))
        .when()
        .post("/admission/validate")
        .then()
        .statusCode(200)
        .body("response.allowed", equalTo(false))
        .body("response.status.code", equalTo(422))
        .body("response.status.message", containsString("spec.floatingIPs[1]"));
  }
}

package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input the issue lists, against the embedded Kubernetes API emulator: the
 * status, an application/problem+json body naming each offending field, and nothing stored (checked
 * on the Kubernetes API itself, not on the cache).
 */
@QuarkusTest
class BadInputAgainstApiEmulatorIT {
  private static final String NS = "it-bad-input";
  private static final String OWNER_NS = "it-bad-input-owner";
  private static final String GROUPS = "/v1/namespaces/" + NS + "/gateway-groups";
  private static final String POLICIES = "/v1/egress-policies";

  @Inject KubernetesClient client;

  record Row(
      String desc,
      String path,
      String contentType,
      String body,
      int status,
      String type,
      String field,
      String says) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Row group(String desc, String body, int status, String type, String field, String says) {
    return new Row(desc, GROUPS, "application/json", body, status, type, field, says);
  }

  static Row policy(String desc, String body, int status, String type, String field, String says) {
    return new Row(desc, POLICIES, "application/json", body, status, type, field, says);
  }

  static final String SOURCES =
      "[{\"namespaceSelector\":{\"matchLabels\":{\"user\":\"alice\"}},\"podSelector\":{\"matchLabels\":{\"role\":\"frontend\"}}}]";
  static final String GOOD_POLICY =
      ApiJson.policy("bad-policy", OWNER_NS, "owner", "203.0.113.0/24");

  static Stream<Arguments> rows() {
    return Stream.of(
            group(
                "malformed floating IP",
                ApiJson.group("bad", "192.168.30.1", "192.168.30"),
                422,
                "invalid",
                "spec.floatingIPs[1]",
                "not an IPv4 address"),
            group(
                "non-IPv4 floating IP (a host name)",
                ApiJson.group("bad", "gateway.example.com"),
                422,
                "invalid",
                "spec.floatingIPs[0]",
                "not an IPv4 address"),
            group(
                "IPv6 floating IP",
                ApiJson.group("bad", "192.168.30.1", "2001:db8::1"),
                422,
                "invalid",
                "spec.floatingIPs[1]",
                "IPv4-only"),
            group(
                "duplicate floating IP",
                ApiJson.group("bad", "192.168.30.1", "192.168.30.1"),
                422,
                "invalid",
                "spec.floatingIPs[1]",
                "duplicate of spec.floatingIPs[0]"),
            group(
                "empty floatingIPs",
                ApiJson.group("bad"),
                422,
                "invalid",
                "spec.floatingIPs",
                "at least one"),
            group(
                "a floating IP already listed by another gateway group",
                ApiJson.group("bad", "192.168.30.9", "192.168.31.1"),
                409,
                "conflict",
                "spec.floatingIPs[1]",
                "it-bad-input-owner/owner"),
            group(
                "name that is not a valid Kubernetes name",
                ApiJson.group("Bad_Name", "192.168.30.1"),
                422,
                "invalid",
                "metadata.name",
                "not a valid Kubernetes name"),
            group(
                "malformed JSON",
                "{\"metadata\": {\"name\": \"bad\"}, \"spec\": {\"floatingIPs\": [\"192.168.30.1\"",
                400,
                "malformed-body",
                "spec.floatingIPs[0]",
                "end-of-input"),
            group(
                "unknown field",
                "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"floatingIPs\":[\"192.168.30.1\"],\"floatingIP\":\"x\"}}",
                400,
                "unknown-field",
                "spec.floatingIP",
                "unknown field 'floatingIP'"),
            group(
                "unknown top-level field",
                "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"floatingIPs\":[\"192.168.30.1\"]},\"extra\":1}",
                400,
                "unknown-field",
                "extra",
                "unknown field 'extra'"),
            group(
                "body over the size limit",
                "{\"metadata\":{\"name\":\"bad\",\"annotations\":{\"a\":\""
                    + "x".repeat(1_100_000)
                    + "\"}},\"spec\":{\"floatingIPs\":[\"192.168.30.1\"]}}",
                413,
                "body-too-large",
                "body",
                "larger than 1048576 bytes"),
            group(
                "namespace in the body differs from the path",
                ApiJson.group("bad", "192.168.30.1")
                    .replace("\"name\":\"bad\"", "\"name\":\"bad\",\"namespace\":\"other\""),
                422,
                "invalid",
                "metadata.namespace",
                "differs from the namespace in the path"),
            group(
                "wrong kind",
                ApiJson.group("bad", "192.168.30.1")
                    .replace("NetworkGatewayGroup", "EgressNATPolicy"),
                422,
                "invalid",
                "kind",
                "must be NetworkGatewayGroup"),
            new Row(
                "a media type that is neither JSON nor YAML",
                GROUPS,
                "text/plain",
                ApiJson.group("bad", "192.168.30.1"),
                415,
                "unsupported-media-type",
                null,
                null),
            policy(
                "CIDR with host bits set",
                ApiJson.policy("bad-policy", OWNER_NS, "owner", "203.0.113.7/24"),
                422,
                "invalid",
                "spec.destinations[0].cidr",
                "host bits set"),
            policy(
                "CIDR prefix over 32",
                ApiJson.policy("bad-policy", OWNER_NS, "owner", "203.0.113.0/33"),
                422,
                "invalid",
                "spec.destinations[0].cidr",
                "over 32"),
            policy(
                "IPv6 destination",
                ApiJson.policy("bad-policy", OWNER_NS, "owner", "2001:db8::/32"),
                422,
                "invalid",
                "spec.destinations[0].cidr",
                "IPv4-only"),
            policy(
                "empty sources",
                GOOD_POLICY.replace(SOURCES, "[]"),
                422,
                "invalid",
                "spec.sources",
                "at least one"),
            policy(
                "empty destinations",
                GOOD_POLICY.replace("[{\"cidr\":\"203.0.113.0/24\"}]", "[]"),
                422,
                "invalid",
                "spec.destinations",
                "at least one"),
            policy(
                "unknown action",
                GOOD_POLICY.replace("\"SNAT\"", "\"DNAT\""),
                422,
                "invalid",
                "spec.action",
                "unknown action 'DNAT'"),
            policy(
                "missing gatewayRef",
                GOOD_POLICY.replaceAll(",\"gatewayRef\":\\{[^}]*\\}", ""),
                422,
                "invalid",
                "spec.gatewayRef",
                "is required"),
            policy(
                "gatewayRef naming a gateway group that does not exist",
                ApiJson.policy("bad-policy", OWNER_NS, "no-such-group", "203.0.113.0/24"),
                422,
                "invalid",
                "spec.gatewayRef",
                "it-bad-input-owner/no-such-group does not exist"),
            policy(
                "policy name that is not a valid Kubernetes name",
                GOOD_POLICY.replace("\"bad-policy\"", "\"bad policy\""),
                422,
                "invalid",
                "metadata.name",
                "not a valid Kubernetes name"),
            policy(
                "a namespace on a cluster-scoped policy",
                GOOD_POLICY.replace(
                    "\"name\":\"bad-policy\"", "\"name\":\"bad-policy\",\"namespace\":\"default\""),
                422,
                "invalid",
                "metadata.namespace",
                "cluster-scoped"),
            policy(
                "unknown field in a source rule",
                GOOD_POLICY.replace("\"podSelector\"", "\"podSelektor\""),
                400,
                "unknown-field",
                "spec.sources[0].podSelektor",
                "unknown field"),
            policy(
                "a number where a CIDR string belongs",
                GOOD_POLICY.replace("\"203.0.113.0/24\"", "24"),
                400,
                "malformed-body",
                "spec.destinations[0].cidr",
                "expected a string"))
        .map(Arguments::of);
  }

  @BeforeEach
  void anotherGroupOwnsAFloatingIp() {
    if (given().get("/v1/namespaces/" + OWNER_NS + "/gateway-groups/owner").statusCode() == 404) {
      given()
          .contentType("application/json")
          .body(ApiJson.group("owner", "192.168.31.1"))
          .post("/v1/namespaces/" + OWNER_NS + "/gateway-groups")
          .then()
          .statusCode(201);
    }
  }

  @Test
  void theRowsReallyDifferFromAValidBody() {
    assertThat(GOOD_POLICY).contains(SOURCES).contains("\"gatewayRef\":{");
    assertThat(GOOD_POLICY.replaceAll(",\"gatewayRef\":\\{[^}]*\\}", ""))
        .doesNotContain("gatewayRef");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void isRefusedWithAProblemAndNothingIsStored(Row row) {
    assertThat(row.body()).as("row body differs from the valid policy").isNotEqualTo(GOOD_POLICY);
    Response response = given().contentType(row.contentType()).body(row.body()).post(row.path());

    response
        .then()
        .statusCode(row.status())
        .contentType("application/problem+json")
        .body("status", equalTo(row.status()))
        .body("type", equalTo("urn:egressgw:problem:" + row.type()))
        .body("title", org.hamcrest.Matchers.notNullValue());
    if (row.field() != null) {
      response.then().body("errors.field", hasItem(row.field()));
      String message =
          response
              .jsonPath()
              .getString("errors.find { it.field == '" + row.field() + "' }.message");
      assertThat(message).contains(row.says());
    }
    assertNothingStored();
  }

  @Test
  void aRejectedReplaceLeavesTheStoredObjectAlone() {
    given()
        .contentType("application/json")
        .body(ApiJson.group("kept", "192.168.32.1"))
        .post("/v1/namespaces/it-bad-replace/gateway-groups")
        .then()
        .statusCode(201);

    given()
        .contentType("application/json")
        .body(ApiJson.group("kept", "192.168.32.1", "fe80::1"))
        .put("/v1/namespaces/it-bad-replace/gateway-groups/kept")
        .then()
        .statusCode(422)
        .contentType("application/problem+json")
        .body("errors.field", hasItem("spec.floatingIPs[1]"));
    given()
        .contentType("application/json")
        .body(ApiJson.group("renamed", "192.168.32.1"))
        .put("/v1/namespaces/it-bad-replace/gateway-groups/kept")
        .then()
        .statusCode(422)
        .body("errors.field", hasItem("metadata.name"));

    assertThat(
            client
                .resources(NetworkGatewayGroup.class)
                .inNamespace("it-bad-replace")
                .withName("kept")
                .get()
                .getSpec()
                .getFloatingIPs())
        .containsExactly("192.168.32.1");
  }

  @Test
  void aChunkedBodyOverTheLimitIs413Too() {
    String big =
        "{\"metadata\":{\"name\":\"bad\",\"annotations\":{\"a\":\""
            + "x".repeat(1_100_000)
            + "\"}},\"spec\":{\"floatingIPs\":[\"192.168.30.1\"]}}";

    // An InputStream body has no known length, so it is sent chunked, without Content-Length.
    given()
        .contentType("application/json")
        .body(
            new java.io.ByteArrayInputStream(big.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .post(GROUPS)
        .then()
        .statusCode(413)
        .contentType("application/problem+json")
        .body("type", equalTo("urn:egressgw:problem:body-too-large"))
        .body("errors.field", hasItem("body"));
    assertNothingStored();
  }

  @Test
  void badListParametersAre400() {
    given()
        .queryParam("limit", 0)
        .get(GROUPS)
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors.field", hasItem("limit"));
    given()
        .queryParam("continue", "not!base64")
        .get(POLICIES)
        .then()
        .statusCode(400)
        .body("errors.field", hasItem("continue"));
  }

  static Stream<Arguments> unparsableParameters() {
    return Stream.of(
        Arguments.of("limit not a number", GROUPS + "?limit=abc", "limit"),
        Arguments.of("limit a fraction", POLICIES + "?limit=1.5", "limit"),
        Arguments.of("continue not percent-decodable", POLICIES + "?continue=%%%", "continue"),
        Arguments.of(
            "labelSelector not percent-decodable",
            GROUPS + "?labelSelector=a%zz",
            "labelSelector"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unparsableParameters")
  void aQueryParameterThatDoesNotParseIs400NamingIt(String desc, String pathAndQuery, String field)
      throws IOException {
    // Sent as is over a socket, exactly as written (HTTP clients re-encode a query).
    String[] answer = rawGet(pathAndQuery);

    assertThat(answer[0]).as(desc).startsWith("HTTP/1.1 400");
    assertThat(answer[1]).as(desc).containsIgnoringCase("content-type: application/problem+json");
    JsonPath problem = JsonPath.from(answer[2]);
    assertThat(problem.getString("type")).as(desc).endsWith("bad-parameter");
    assertThat(problem.getList("errors.field", String.class)).as(desc).contains(field);
  }

  @Test
  void aRequestTargetThatIsNotAUriIs400ProblemJson() throws IOException {
    String[] answer = rawGet(POLICIES + "/a^b");

    assertThat(answer[0]).startsWith("HTTP/1.1 400");
    assertThat(answer[1]).containsIgnoringCase("content-type: application/problem+json");
    assertThat(JsonPath.from(answer[2]).getList("errors.field", String.class)).contains("uri");
  }

  /** A GET of a raw request target; returns the status line, the headers and the body. */
  private static String[] rawGet(String target) throws IOException {
    try (Socket socket = new Socket("localhost", RestAssured.port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int headersEnd = response.indexOf("\r\n\r\n");
      String head = response.substring(0, headersEnd);
      int lineEnd = head.indexOf("\r\n");
      return new String[] {
        head.substring(0, lineEnd), head.substring(lineEnd + 2), response.substring(headersEnd + 4)
      };
    }
  }

  private void assertNothingStored() {
    List<NetworkGatewayGroup> groups =
        client.resources(NetworkGatewayGroup.class).inNamespace(NS).list().getItems();
    assertThat(groups).as("gateway groups stored in %s", NS).isEmpty();
    List<String> policies =
        client.resources(EgressNATPolicy.class).list().getItems().stream()
            .map(p -> p.getMetadata().getName())
            .filter(n -> n.startsWith("bad"))
            .toList();
    assertThat(policies).as("policies named bad*").isEmpty();
    assertThat(
            client
                .resources(NetworkGatewayGroup.class)
                .inNamespace(OWNER_NS)
                .withName("owner")
                .get()
                .getSpec()
                .getFloatingIPs())
        .containsExactly("192.168.31.1");
  }

  /** A failure no mapper anticipates (a bug) is 500 in the one error shape, its cause not sent. */
  @Test
  void anUnexpectedFailureIs500ProblemJsonWithoutItsInternals() {
    Response failed = given().get("/test-only/unexpected-failure");

    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(failed.contentType()).startsWith("application/problem+json");
    JsonPath problem = failed.jsonPath();
    assertThat(problem.getString("type")).isEqualTo("urn:egressgw:problem:internal-error");
    assertThat(problem.getInt("status")).isEqualTo(500);
    assertThat(problem.getList("errors")).isEmpty();
    assertThat(failed.asString()).doesNotContain(FailingTestResource.INTERNALS);
  }

  @Test
  void frameworkRefusalsAreProblemsInOurOwnWordsAnd405SaysWhatIsAllowed() {
    Response notAllowed =
        given().contentType("application/json").body("{}").post(GROUPS + "/some-group");
    assertThat(notAllowed.statusCode()).isEqualTo(405);
    assertThat(notAllowed.contentType()).startsWith("application/problem+json");
    assertThat(notAllowed.header("Allow"))
        .contains("GET")
        .contains("PUT")
        .contains("PATCH")
        .contains("DELETE");

    Response unsupported =
        given().contentType("text/plain").body(ApiJson.group("bad", "192.168.30.1")).post(GROUPS);
    assertThat(unsupported.statusCode()).isEqualTo(415);
    assertThat(unsupported.jsonPath().getString("detail"))
        .isEqualTo("send the body as application/json or application/yaml")
        .doesNotContain("@Consumes");

    Response notAcceptable = given().accept("text/csv").get(GROUPS);
    assertThat(notAcceptable.statusCode()).isEqualTo(406);
    assertThat(notAcceptable.contentType()).startsWith("application/problem+json");
  }
}

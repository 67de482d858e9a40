package io.egressgw.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressgw.controller.AgentAuthenticator;
import io.egressgw.controller.ApiEmulatorProfile;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Body fuzzing of every endpoint that takes a body (issue 15): the REST API's writes of gateway
 * groups and egress policies (POST, PUT, PATCH; JSON and YAML), the agent channel's POSTs (with the
 * node's own token, so that the body is really parsed) and the admission webhook, each sent deeply
 * nested JSON (10,000 levels), duplicate keys, YAML anchors and aliases ("billion laughs", bounded)
 * and a 16 MiB chunked body. Every answer is a 4xx (problem+json naming the problem on the REST
 * API), never a 5xx or a success, and the Kubernetes API (fabric8's mock) records no write of a
 * gateway group or policy.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ApiEmulatorProfile.class)
class BodyFuzzAgainstApiEmulatorIT {
  static final String NS = "it-body-fuzz";
  static final String GROUPS = "/v1/namespaces/" + NS + "/gateway-groups";
  static final String GROUP = GROUPS + "/fuzz";
  static final String POLICIES = "/v1/egress-policies";
  static final String POLICY = POLICIES + "/fuzz-policy";
  static final String NODE = "node-fuzz";
  static final int DEPTH = 10_000;

  static final String GROUP_HEAD =
      "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"NetworkGatewayGroup\","
          + "\"metadata\":{\"name\":\"fuzz\"},\"spec\":{\"floatingIPs\":";
  static final String POLICY_HEAD =
      "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"EgressNATPolicy\","
          + "\"metadata\":{\"name\":\"fuzz-policy\"},\"spec\":{\"destinations\":";

  @KubernetesTestServer KubernetesServer server;
  @Inject AgentAuthenticator auth;

  /** What a case sends. */
  enum Attack {
    DEEP_JSON("application/json", "nesting depth"),
    DUPLICATE_KEYS_JSON("application/json", "Duplicate field"),
    DUPLICATE_KEYS_YAML("application/yaml", "Duplicate field"),
    YAML_ALIASES("application/yaml", "alias"),
    DEEP_YAML("application/yaml", "nesting depth");

    final String contentType;
    final String says;

    Attack(String contentType, String says) {
      this.contentType = contentType;
      this.says = says;
    }
  }

  /** One endpoint that takes a body. */
  enum Target {
    CREATE_GROUP("POST", GROUPS, true, GROUP_HEAD),
    REPLACE_GROUP("PUT", GROUP, true, GROUP_HEAD),
    PATCH_GROUP("PATCH", GROUP, false, "{\"spec\":{\"floatingIPs\":"),
    CREATE_POLICY("POST", POLICIES, true, POLICY_HEAD),
    REPLACE_POLICY("PUT", POLICY, true, POLICY_HEAD),
    PATCH_POLICY("PATCH", POLICY, false, "{\"spec\":{\"destinations\":"),
    HEARTBEAT(
        "POST",
        "/v1/agents/" + NODE + "/heartbeat",
        false,
        "{\"node\":\"" + NODE + "\",\"counters\":"),
    REPLICATION(
        "POST", "/v1/agents/" + NODE + "/replication", false, "{\"floatingIp\":1,\"batch\":"),
    ADMISSION(
        "POST",
        "/admission/validate",
        false,
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
            + "\"request\":{\"uid\":\"u1\",\"operation\":\"CREATE\",\"object\":");

    final String method;
    final String path;
    final boolean takesYaml;
    final String head;

    Target(String method, String path, boolean takesYaml, String head) {
      this.method = method;
      this.path = path;
      this.takesYaml = takesYaml;
      this.head = head;
    }

    boolean rest() {
      return path.startsWith("/v1/") && !path.startsWith("/v1/agents/");
    }

    boolean channel() {
      return path.startsWith("/v1/agents/");
    }
  }

  static String body(Target target, Attack attack) {
    return switch (attack) {
      case DEEP_JSON -> target.head + "[".repeat(DEPTH) + "]".repeat(DEPTH) + closing(target.head);
      case DUPLICATE_KEYS_JSON -> duplicateKeysJson(target);
      case DUPLICATE_KEYS_YAML ->
          "apiVersion: networking.gke.io/v1\nkind: NetworkGatewayGroup\n"
              + "metadata:\n  name: fuzz\n  name: fuzz\n"
              + "spec:\n  floatingIPs: [192.168.33.2]\n";
      case YAML_ALIASES -> billionLaughs();
      case DEEP_YAML ->
          "apiVersion: networking.gke.io/v1\nkind: NetworkGatewayGroup\n"
              + "metadata:\n  name: fuzz\nspec:\n  floatingIPs: "
              + "[".repeat(DEPTH)
              + "]".repeat(DEPTH)
              + "\n";
    };
  }

  /** The braces that close what {@code head} opened. */
  static String closing(String head) {
    return "}"
        .repeat(
            (int)
                (head.chars().filter(c -> c == '{').count()
                    - head.chars().filter(c -> c == '}').count()));
  }

  /** The same key twice, the second value the one a lenient parser would keep. */
  static String duplicateKeysJson(Target target) {
    return switch (target) {
      case CREATE_GROUP, REPLACE_GROUP ->
          GROUP_HEAD + "[\"192.168.33.1\"],\"floatingIPs\":[\"192.168.33.2\"]}}";
      case PATCH_GROUP ->
          "{\"spec\":{\"floatingIPs\":[\"192.168.33.1\"],\"floatingIPs\":[\"192.168.33.2\"]}}";
      case CREATE_POLICY, REPLACE_POLICY ->
          POLICY_HEAD
              + "[{\"cidr\":\"203.0.113.0/24\"}],\"destinations\":[{\"cidr\":\"0.0.0.0/0\"}]}}";
      case PATCH_POLICY ->
          "{\"spec\":{\"destinations\":[{\"cidr\":\"203.0.113.0/24\"}],"
              + "\"destinations\":[{\"cidr\":\"0.0.0.0/0\"}]}}";
      case HEARTBEAT ->
          "{\"node\":\"other\",\"node\":\""
              + NODE
              + "\",\"agentId\":\"a1\",\"nodeIP\":\"192.168.1.21\","
              + "\"subnets\":[\"192.168.1.21/24\"],\"appliedGeneration\":0,"
              + "\"heldFloatingIPs\":[],\"counters\":{}}";
      case REPLICATION -> "{\"floatingIp\":1,\"floatingIp\":2}";
      case ADMISSION ->
          "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
              + "\"request\":{\"uid\":\"u1\",\"uid\":\"u2\",\"operation\":\"CREATE\"}}";
    };
  }

  /**
   * Nine levels of ten aliases each: a parser that expands aliases would build 10^9 strings; a
   * bounded one refuses early. The aliases sit in labels, where a string is a valid value.
   */
  static String billionLaughs() {
    StringBuilder yaml =
        new StringBuilder(
            "apiVersion: networking.gke.io/v1\nkind: NetworkGatewayGroup\nmetadata:\n"
                + "  name: fuzz\n  annotations:\n    l0: &l0 lol\n");
    for (int level = 1; level <= 9; level++) {
      yaml.append("    l").append(level).append(": &l").append(level).append(" [");
      for (int i = 0; i < 10; i++) {
        yaml.append(i == 0 ? "" : ", ").append("*l").append(level - 1);
      }
      yaml.append("]\n");
    }
    return yaml.append(
            "  labels:\n    a: &x kept\n    b: *x\nspec:\n  floatingIPs: [192.168.33.2]\n")
        .toString();
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Target target : Target.values()) {
      for (Attack attack : Attack.values()) {
        boolean yaml = attack.contentType.contains("yaml");
        if (yaml && target.method.equals("PATCH")) {
          // PATCH takes only application/merge-patch+json: YAML is 415 (tried below).
          continue;
        }
        out.add(Arguments.of(target, attack));
      }
    }
    return out.stream();
  }

  @BeforeEach
  void aGroupAndAPolicyToReplaceAndPatch() {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                given().get(GROUP).statusCode() == 200
                    || given()
                            .contentType("application/json")
                            .body(GROUP_HEAD + "[\"192.168.33.1\"]}}")
                            .post(GROUPS)
                            .statusCode()
                        == 201);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                given().get(POLICY).statusCode() == 200
                    || given()
                            .contentType("application/json")
                            .body(
                                POLICY_HEAD
                                    + "[{\"cidr\":\"203.0.113.0/24\"}],"
                                    + "\"sources\":[{\"namespaceSelector\":{\"matchLabels\":{\"user\":\"alice\"}}}],"
                                    + "\"action\":\"SNAT\","
                                    + "\"gatewayRef\":{\"name\":\"fuzz\",\"namespace\":\""
                                    + NS
                                    + "\"}}}")
                            .post(POLICIES)
                            .statusCode()
                        == 201);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void isRefusedWith4xxAndNothingIsWritten(Target target, Attack attack) throws Exception {
    String contentType =
        target.method.equals("PATCH") ? "application/merge-patch+json" : attack.contentType;
    boolean yaml = attack.contentType.contains("yaml");
    drainWrites();

    Response response =
        authorised(target)
            .contentType(contentType)
            .body(body(target, attack).getBytes(StandardCharsets.UTF_8))
            .request(target.method, target.path);

    int status = response.statusCode();
    String what = target + " " + attack + " -> " + status + " " + response.asString();
    if (yaml && !target.takesYaml) {
      assertThat(status).as(what).isEqualTo(415);
    } else {
      assertThat(status).as(what).isEqualTo(400);
    }
    if (target.rest()) {
      assertThat(response.contentType()).as(what).startsWith("application/problem+json");
      if (status == 400) {
        assertThat(response.jsonPath().getString("type"))
            .as(what)
            .isEqualTo("urn:egressgw:problem:malformed-body");
        assertThat(response.asString().toLowerCase(Locale.ROOT))
            .as(what)
            .contains(attack.says.toLowerCase(Locale.ROOT));
      }
    }
    assertThat(drainWrites()).as(what).isEmpty();
    assertStoredUnchanged();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void aSixteenMebibyteChunkedBodyIsRefused(Target target) throws Exception {
    drainWrites();
    String contentType =
        target.method.equals("PATCH") ? "application/merge-patch+json" : "application/json";
    String head =
        target.method
            + " "
            + target.path
            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: "
            + contentType
            + "\r\nTransfer-Encoding: chunked\r\n"
            + (target.channel() ? "Authorization: Bearer " + token() + "\r\n" : "")
            + "\r\n";

    String[] answer = chunked(head, target.head, 16 << 20);

    int status = Integer.parseInt(answer[0].split(" ")[1]);
    String what = target + " -> " + answer[0] + " " + answer[2];
    // The REST API reads up to its 1 MiB limit (413); the channel and the webhook refuse a body of
    // unknown length before reading it (411).
    assertThat(status).as(what).isEqualTo(target.rest() ? 413 : 411);
    if (target.rest()) {
      assertThat(answer[1].toLowerCase(Locale.ROOT))
          .as(what)
          .contains("content-type: application/problem+json");
      assertThat(answer[2]).as(what).contains("body-too-large");
    }
    assertThat(drainWrites()).as(what).isEmpty();
    assertStoredUnchanged();
  }

  static Stream<Target> targets() {
    return Stream.of(Target.values());
  }

  @Test
  void theAliasesAreReallyBoundedAndTheFixtureIsReal() {
    // A sanity check of the bodies themselves: the YAML would expand to 10^9 strings, the deep JSON
    // is 10,000 levels, and the fixtures exist (PUT and PATCH would otherwise be 404).
    assertThat(billionLaughs()).contains("l9: &l9 [*l8").hasSizeLessThan(2_000);
    assertThat(body(Target.CREATE_GROUP, Attack.DEEP_JSON)).hasSizeGreaterThan(2 * DEPTH);
    given().get(GROUP).then().statusCode(200);
    given().get(POLICY).then().statusCode(200);
  }

  private io.restassured.specification.RequestSpecification authorised(Target target) {
    return target.channel() ? given().header("Authorization", "Bearer " + token()) : given();
  }

  private String token() {
    return auth.tokens().tokenFor(NODE);
  }

  private void assertStoredUnchanged() {
    assertThat(given().get(GROUP).jsonPath().getList("spec.floatingIPs"))
        .containsExactly("192.168.33.1");
    assertThat(given().get(POLICY).jsonPath().getList("spec.destinations.cidr"))
        .containsExactly("203.0.113.0/24");
    assertThat(given().get(GROUPS).jsonPath().getList("items.metadata.name"))
        .containsExactly("fuzz");
  }

  /**
   * Writes (not status writes, which the controller makes on its own) of gateway groups and
   * policies that the Kubernetes API recorded since the last drain.
   */
  private List<String> drainWrites() throws InterruptedException {
    List<String> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.getKubernetesMockServer().takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      String path = r.getPath();
      boolean ours = path.contains("networkgatewaygroups") || path.contains("egressnatpolicies");
      boolean write = !r.getMethod().equals("GET");
      if (ours && write && !path.contains("/status")) {
        out.add(r.getMethod() + " " + path);
      }
    }
    return out;
  }

  /**
   * Sends a chunked body of {@code size} bytes (the head, then spaces) on one thread while this one
   * reads the answer: a server that answers early and closes must not lose the answer to a reset.
   */
  private static String[] chunked(String head, String start, int size) throws Exception {
    try (Socket socket = new Socket("localhost", RestAssured.port)) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      Thread writer =
          new Thread(
              () -> {
                try {
                  out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                  byte[] chunk = new byte[64 * 1024];
                  java.util.Arrays.fill(chunk, (byte) ' ');
                  byte[] first = start.getBytes(StandardCharsets.UTF_8);
                  System.arraycopy(first, 0, chunk, 0, first.length);
                  byte[] size16 =
                      (Integer.toHexString(chunk.length) + "\r\n")
                          .getBytes(StandardCharsets.ISO_8859_1);
                  for (int sent = 0; sent < size; sent += chunk.length) {
                    out.write(size16);
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    if (sent == 0) {
                      java.util.Arrays.fill(chunk, 0, first.length, (byte) ' ');
                    }
                  }
                  out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                  out.flush();
                } catch (IOException e) {
                  // The server answered and closed before the whole body was sent: expected.
                }
              },
              "chunked-body-writer");
      writer.setDaemon(true);
      writer.start();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      try {
        while ((n = in.read(buffer)) >= 0) {
          response.write(buffer, 0, n);
          String text = response.toString(StandardCharsets.UTF_8);
          int end = text.indexOf("\r\n\r\n");
          if (end >= 0 && complete(text, end)) {
            break;
          }
        }
      } catch (IOException e) {
        // A reset after the answer arrived.
      }
      writer.join(60_000);
      String text = response.toString(StandardCharsets.UTF_8);
      int headersEnd = text.indexOf("\r\n\r\n");
      assertThat(headersEnd).as("an answer: %s", text).isPositive();
      String headers = text.substring(0, headersEnd);
      int lineEnd = headers.indexOf("\r\n");
      return new String[] {
        headers.substring(0, lineEnd),
        headers.substring(lineEnd + 2),
        text.substring(headersEnd + 4)
      };
    }
  }

  /** Whether the answer's body is all there (by its Content-Length; else wait for the close). */
  private static boolean complete(String text, int headersEnd) {
    for (String line : text.substring(0, headersEnd).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        int length = Integer.parseInt(line.substring(15).trim());
        return text.getBytes(StandardCharsets.UTF_8).length - headersEnd - 4 >= length;
      }
    }
    return false;
  }
}

package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Deny by default, tried as an attacker without a token would (issue 15: {@code DELETE
 * .../gateway-groups/x%2F..%2Fdefault} reached the handler): every route and method, with encoded
 * '/' and '\', ';', '//', '..', case changes and trailing '/', is answered 401, 404 or 405, and the
 * Kubernetes API emulator records no request for any of them (no TokenReview, no read, no write).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(RestAuthorizationAgainstApiEmulatorIT.EnforcedAuth.class)
class RestPathFuzzAgainstApiEmulatorIT {
  static final List<String> ROUTES =
      List.of(
          "/v1/namespaces/{ns}/gateway-groups",
          "/v1/namespaces/{ns}/gateway-groups/{name}",
          "/v1/gateway-groups",
          "/v1/egress-policies",
          "/v1/egress-policies/{name}",
          "/v1/agents/{name}/heartbeat",
          "/v1/agents/{name}/program",
          "/v1/agents/{name}/replication");
  static final List<String> METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE");
  static final List<String> NAMES =
      List.of(
          "default",
          "x%2F..%2Fdefault",
          "x%2f..%2fdefault",
          "x%5C..%5Cdefault",
          "x%5c..%5cdefault",
          "x;y=z",
          "..",
          "%2e%2e",
          ".",
          "Default",
          "x%00",
          "x%252F..%252Fdefault",
          "x%3Bdefault");

  @KubernetesTestServer KubernetesServer server;

  static Set<String> paths() {
    Set<String> out = new LinkedHashSet<>();
    for (String route : ROUTES) {
      for (String name : NAMES) {
        String path = route.replace("{ns}", "kube-system").replace("{name}", name);
        out.add(path);
        out.add(path + "/");
        out.add(route.replace("{ns}", name).replace("{name}", "default"));
      }
      String plain = route.replace("{ns}", "kube-system").replace("{name}", "default");
      out.add(plain.replace("/v1/", "/V1/"));
      out.add(plain.replace("/v1/", "//v1/"));
      out.add(plain.replace("/v1/", "/v1//"));
      out.add(plain.replace("/v1/", "/v1/./"));
      out.add(plain.replace("/v1/", "/x/../v1/"));
      out.add(plain.replace("/v1/", "/v1%2F"));
      out.add(plain.toUpperCase(Locale.ROOT));
      out.add(plain.replace("kube-system", "KUBE-SYSTEM"));
    }
    return out;
  }

  @Test
  void withoutATokenEveryVariationIsRefusedAndTheApiServerHearsNothing() throws Exception {
    drainRecordedRequests();
    List<String> gotThrough = new ArrayList<>();
    int tried = 0;
    for (String path : paths()) {
      for (String method : METHODS) {
        int status = send(method, path);
        tried++;
        if (status != 401 && status != 404 && status != 405) {
          gotThrough.add(method + " " + path + " -> " + status);
        }
      }
    }

    // A raw '\\' is no valid URI. Vert.x's own URI check is off in every launcher
    // (vertx.disableURIValidation, so that bad parameters get problem+json): RequestLineGuard
    // refuses the path before any route, as for the encoded variants above.
    int rawBackslash = send("DELETE", "/v1/namespaces/kube-system/gateway-groups/x\\..\\default");

    assertThat(tried).isGreaterThan(1000);
    assertThat(gotThrough).isEmpty();
    assertThat(rawBackslash).isEqualTo(404);
    assertThat(drainRecordedRequests()).isEmpty();
  }

  @Test
  void theAgentChannelAndTheWebhookRefuseLargeOrUnboundedBodiesBeforeReadingThem()
      throws Exception {
    drainRecordedRequests();
    String big =
        "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + "Content-Type: application/json\r\nContent-Length: 16777216\r\n\r\n{";
    String chunked =
        "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n";

    assertThat(sendRaw(big.formatted("/v1/agents/worker1/heartbeat"))).isEqualTo(413);
    assertThat(sendRaw(big.formatted("/admission/validate"))).isEqualTo(413);
    assertThat(sendRaw(chunked.formatted("/v1/agents/worker1/heartbeat"))).isEqualTo(411);
    assertThat(sendRaw(chunked.formatted("/admission/validate"))).isEqualTo(411);
    assertThat(drainRecordedRequests()).isEmpty();
  }

  /**
   * Requests the emulator recorded since the last drain, except the informers' watches and lists.
   */
  private List<String> drainRecordedRequests() throws InterruptedException {
    List<String> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.getKubernetesMockServer().takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      String path = r.getPath();
      boolean informer =
          "GET".equals(r.getMethod())
              && (path.contains("watch=true") || path.contains("resourceVersion="));
      if (!informer) {
        out.add(r.getMethod() + " " + path);
      }
    }
    return out;
  }

  /** One raw HTTP/1.1 request, byte for byte as given: no client normalises or encodes the path. */
  private static int send(String method, String path) throws IOException {
    try (Socket socket = new Socket("localhost", RestAssured.port)) {
      socket.setSoTimeout(10_000);
      boolean body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
      String json =
          "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"NetworkGatewayGroup\","
              + "\"metadata\":{\"name\":\"default\"},\"spec\":{\"floatingIPs\":[\"192.168.1.150\"]}}";
      String request =
          method
              + " "
              + path
              + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
              + (body
                  ? "Content-Type: application/json\r\nContent-Length: "
                      + json.length()
                      + "\r\n\r\n"
                      + json
                  : "\r\n");
      return exchange(socket, request);
    }
  }

  private static int sendRaw(String request) throws IOException {
    try (Socket socket = new Socket("localhost", RestAssured.port)) {
      socket.setSoTimeout(10_000);
      return exchange(socket, request);
    }
  }

  /** Writes the request and answers the status code of the response's status line. */
  private static int exchange(Socket socket, String request) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      line.append((char) c);
    }
    String[] parts = line.toString().split(" ");
    return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
  }
}

package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes-style watches against the embedded Kubernetes API emulator: one JSON event a line (or
 * Server-Sent Events), from a list's resourceVersion or from the current objects, filtered by the
 * list's selectors, with bookmarks, bounded per client.
 */
@QuarkusTest
class WatchAgainstApiEmulatorIT {
  private static final String GROUPS = "/v1/namespaces/{namespace}/gateway-groups";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aWatchFromAListsResourceVersionStreamsTheLaterChangesAsJsonLines() throws Exception {
    String ns = "it-watch-from";
    createGroup(ns, "first", "192.168.80.1");
    String listed =
        given().get(GROUPS, ns).then().statusCode(200).extract().path("metadata.resourceVersion");

    createGroup(ns, "second", "192.168.80.2");
    given()
        .contentType("application/json")
        .body(ApiJson.group("first", "192.168.80.1", "192.168.80.3"))
        .put(GROUPS + "/first", ns)
        .then()
        .statusCode(200);
    given().delete(GROUPS + "/second", ns).then().statusCode(204);

    Response watch =
        given()
            .queryParam("watch", "true")
            .queryParam("resourceVersion", listed)
            .queryParam("timeoutSeconds", 1)
            .get(GROUPS, ns);

    watch.then().statusCode(200).contentType("application/json");
    List<JsonNode> events = lines(watch.asString());
    assertThat(changes(events)).containsExactly("ADDED second", "MODIFIED first", "DELETED second");
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.get("type").asText()).isEqualTo("BOOKMARK");
              assertThat(e.at("/object/kind").asText()).isEqualTo("NetworkGatewayGroup");
              assertThat(e.at("/object/metadata/resourceVersion").asText()).isNotBlank();
            });
  }

  @Test
  void withoutAResourceVersionTheMatchingObjectsComeFirstAsAdded() throws Exception {
    String ns = "it-watch-current";
    createGroup(ns, "plain", "192.168.81.1");
    createGroup(ns, "labelled", "192.168.81.2");
    given()
        .contentType("application/merge-patch+json")
        .body("{\"metadata\":{\"labels\":{\"team\":\"a\"}}}")
        .patch(GROUPS + "/labelled", ns)
        .then()
        .statusCode(200);

    Response watch =
        given()
            .queryParam("watch", "true")
            .queryParam("labelSelector", "team=a")
            .queryParam("timeoutSeconds", 1)
            .get(GROUPS, ns);

    assertThat(changes(lines(watch.then().statusCode(200).extract().asString())))
        .containsExactly("ADDED labelled");
  }

  @Test
  void aChangeReachesAnOpenWatchWhileItIsOpen() throws Exception {
    String ns = "it-watch-live";
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    base()
                        + "/v1/namespaces/"
                        + ns
                        + "/gateway-groups?watch=true&timeoutSeconds=20"))
            .build();
    HttpResponse<java.io.InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(JSON.readTree(reader.readLine()).get("type").asText()).isEqualTo("BOOKMARK");

      createGroup(ns, "live", "192.168.82.1");

      CompletableFuture<String> next =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  for (String line; (line = reader.readLine()) != null; ) {
                    JsonNode event = JSON.readTree(line);
                    if (!event.get("type").asText().equals("BOOKMARK")) {
                      return event.get("type").asText()
                          + " "
                          + event.at("/object/metadata/name").asText();
                    }
                  }
                  return "end of stream";
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("ADDED live");
    }
  }

  @Test
  void eventSourceClientsGetServerSentEvents() {
    String ns = "it-watch-sse";
    createGroup(ns, "gw", "192.168.83.1");

    Response watch =
        given()
            .accept("text/event-stream")
            .queryParam("watch", "true")
            .queryParam("timeoutSeconds", 1)
            .get(GROUPS, ns);

    watch.then().statusCode(200).contentType("text/event-stream");
    String body = watch.asString();
    assertThat(body).contains("event: ADDED\n").contains("event: BOOKMARK\n");
    assertThat(body).containsPattern("id: \\d+\nevent: ADDED\ndata: \\{\"type\":\"ADDED\"");
  }

  /** Its own token, so that its open watches do not count against the other tests' address. */
  @Test
  void aClientWithTooManyOpenWatchesGets429() throws Exception {
    String ns = "it-watch-bound";
    HttpClient http = HttpClient.newHttpClient();
    List<BufferedReader> open = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        HttpResponse<java.io.InputStream> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            base()
                                + "/v1/namespaces/"
                                + ns
                                + "/gateway-groups?watch=true&timeoutSeconds=10"))
                    .header("Authorization", "Bearer bound-test-token")
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).contains("BOOKMARK");
        open.add(reader);
      }

      given()
          .header("Authorization", "Bearer bound-test-token")
          .queryParam("watch", "true")
          .queryParam("timeoutSeconds", 1)
          .get(GROUPS, ns)
          .then()
          .statusCode(429)
          .contentType("application/problem+json")
          .header("Retry-After", "5")
          .body("errors[0].field", equalTo("watch"));
    } finally {
      for (BufferedReader reader : open) {
        reader.close();
      }
    }
  }

  /**
   * A resourceVersion older than the events the API keeps answers 410 problem+json, so that the
   * client lists again (as a Kubernetes client does on "too old resource version").
   */
  @Test
  void aWatchFromAResourceVersionOlderThanTheKeptEventsIs410() {
    String ns = "it-watch-gone";
    createGroup(ns, "gw", "192.168.84.1");
    String listed =
        given().get(GROUPS, ns).then().statusCode(200).extract().path("metadata.resourceVersion");
    assertThat(Long.parseLong(listed)).as("the list's resourceVersion").isGreaterThan(1);

    given()
        .queryParam("watch", "true")
        .queryParam("resourceVersion", "1")
        .queryParam("timeoutSeconds", 1)
        .get(GROUPS, ns)
        .then()
        .statusCode(410)
        .contentType("application/problem+json")
        .body("type", equalTo("urn:egressgw:problem:gone"))
        .body("errors[0].field", equalTo("resourceVersion"));
    given()
        .accept("text/event-stream")
        .queryParam("watch", "true")
        .queryParam("resourceVersion", "1")
        .queryParam("timeoutSeconds", 1)
        .get(GROUPS, ns)
        .then()
        .statusCode(410)
        .contentType("application/problem+json");
    // Listing again gives a resourceVersion to watch from.
    given()
        .queryParam("watch", "true")
        .queryParam("resourceVersion", listed)
        .queryParam("timeoutSeconds", 1)
        .get(GROUPS, ns)
        .then()
        .statusCode(200);
  }

  @Test
  void badWatchParametersAre400NamingThem() {
    for (String[] bad :
        List.of(
            new String[] {"watch", "yes"},
            new String[] {"resourceVersion", "abc"},
            new String[] {"timeoutSeconds", "0"})) {
      var request = given().queryParam(bad[0], bad[1]);
      if (!bad[0].equals("watch")) {
        request.queryParam("watch", "true");
      }
      request
          .get(GROUPS, "it-watch-bad")
          .then()
          .statusCode(400)
          .contentType("application/problem+json")
          .body("errors[0].field", equalTo(bad[0]));
    }
  }

  private static String base() {
    return RestAssured.baseURI + ":" + RestAssured.port;
  }

  private static List<JsonNode> lines(String body) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  /** "TYPE name" of each event but bookmarks, in order. */
  private static List<String> changes(List<JsonNode> events) {
    return events.stream()
        .filter(e -> !e.get("type").asText().equals("BOOKMARK"))
        .map(e -> e.get("type").asText() + " " + e.at("/object/metadata/name").asText())
        .toList();
  }

  private static void createGroup(String ns, String name, String ip) {
    given()
        .contentType("application/json")
        .body(ApiJson.group(name, ip))
        .post(GROUPS, ns)
        .then()
        .statusCode(201);
  }
}

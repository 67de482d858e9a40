package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Periodic bookmarks (issue 16): a watch with nothing to say still tells the client, every bookmark
 * interval, where to resume, as JSON lines and as Server-Sent Events. The interval is 1 s here so
 * that a 3 s watch shows several.
 */
@QuarkusTest
@TestProfile(WatchBookmarksAgainstApiEmulatorIT.BookmarkEverySecond.class)
class WatchBookmarksAgainstApiEmulatorIT {
  private static final String GROUPS = "/v1/namespaces/{namespace}/gateway-groups";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A bookmark after every second of silence. */
  public static class BookmarkEverySecond implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("egressgw.rest.watch-bookmark-seconds", "1");
    }
  }

  @Test
  void aQuietWatchGetsABookmarkAfterEachIntervalOfSilence() throws Exception {
    String body =
        given()
            .queryParam("watch", "true")
            .queryParam("timeoutSeconds", 3)
            .get(GROUPS, "it-watch-quiet")
            .then()
            .statusCode(200)
            .extract()
            .asString();

    List<JsonNode> events = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (!line.isBlank()) {
        events.add(JSON.readTree(line));
      }
    }
    // One after the (empty) replay, then one a second: at least two more in 3 s of silence.
    assertThat(events).hasSizeGreaterThanOrEqualTo(3);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.get("type").asText()).isEqualTo("BOOKMARK");
              assertThat(e.at("/object/metadata/resourceVersion").asText()).isNotBlank();
            });
  }

  @Test
  void anEventSourceGetsThePeriodicBookmarksToo() {
    String body =
        given()
            .accept("text/event-stream")
            .queryParam("watch", "true")
            .queryParam("timeoutSeconds", 3)
            .get(GROUPS, "it-watch-quiet-sse")
            .then()
            .statusCode(200)
            .contentType("text/event-stream")
            .extract()
            .asString();

    Matcher bookmark = Pattern.compile("event: BOOKMARK\n").matcher(body);
    int count = 0;
    while (bookmark.find()) {
      count++;
    }
    assertThat(count).as("BOOKMARK events in %s", body).isGreaterThanOrEqualTo(3);
  }
}

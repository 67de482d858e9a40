package io.egressgw.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The controller serves the live status page at /ui/ as plain static files, and the page calls
 * nothing but the public REST API (its browser test is {@code io.egressgw.lab.StatusPageE2E}).
 */
@QuarkusTest
class StatusPageAgainstApiEmulatorIT {

  @Test
  void theControllerServesThePageAndItsFiles() {
    given()
        .get("/ui/")
        .then()
        .statusCode(200)
        .contentType(containsString("text/html"))
        .body(containsString("<script src=\"app.js\">"))
        .body(containsString("id=\"floating-ips\""));
    given().get("/ui/app.css").then().statusCode(200).contentType(containsString("text/css"));
    given().get("/ui/app.js").then().statusCode(200).contentType(containsString("javascript"));
  }

  @Test
  void thePageCallsOnlyThePublicRestApi() {
    String script = given().get("/ui/app.js").then().statusCode(200).extract().asString();

    Matcher paths = Pattern.compile("\"(/\\w[^\"]*)\"").matcher(script);
    int found = 0;
    while (paths.find()) {
      assertThat(paths.group(1)).as("a path the page calls").startsWith("/v1/");
      found++;
    }
    assertThat(found).as("paths in app.js").isEqualTo(2);
    assertThat(script).contains("?watch=true").doesNotContain("EventSource(");
  }
}

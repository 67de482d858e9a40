package io.egressgw.rest;

import io.egressgw.role.ProcessRole;
import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * A Vert.x route filter in front of the public REST API. It answers before the body is read: 413
 * when Content-Length is over the limit (chunked bodies are bounded again while reading, see {@link
 * CustomResourceEndpoint}), 400 naming a query parameter that is not valid percent-encoding (which
 * the framework would refuse with an empty body), and 404 when this process runs the agent role,
 * which does not serve the public API, the admission webhook, OpenAPI or Swagger UI.
 */
@Singleton
public class RestGate {
  static final String GATEWAY_GROUPS_PREFIX = "/v1/namespaces/";
  static final String EGRESS_POLICIES_PREFIX = "/v1/egress-policies";
  static final String ALL_GATEWAY_GROUPS_PREFIX = "/v1/gateway-groups";

  void register(@Observes Filters filters, RestSettings settings, ProcessRole role) {
    boolean controller = role.isController();
    int limit = settings.maxBodyBytes();
    filters.register(
        rc -> {
          String path = rc.normalizedPath();
          if (!controller && controllerOnly(path)) {
            end(
                rc,
                new Problem(
                    Problem.type("not-found"),
                    "Not Found",
                    404,
                    path
                        + " is served by the controller role; this process runs egressgw.role="
                        + role.role()
                        + " and serves health and metrics only",
                    path,
                    List.of()));
            return;
          }
          if (!(path.startsWith(GATEWAY_GROUPS_PREFIX)
              || path.startsWith(EGRESS_POLICIES_PREFIX)
              || path.startsWith(ALL_GATEWAY_GROUPS_PREFIX))) {
            rc.next();
            return;
          }
          if (!controller) {
            end(
                rc,
                new Problem(
                    Problem.type("not-found"),
                    "Not Found",
                    404,
                    "the public REST API is served by the controller role; this process runs"
                        + " egressgw.role="
                        + role.role(),
                    path,
                    List.of()));
            return;
          }
          Problem badQuery = badlyEncodedParameter(rc.request().query(), path);
          if (badQuery != null) {
            end(rc, badQuery);
            return;
          }
          String length = rc.request().getHeader("Content-Length");
          if (length != null && tooLong(length, limit)) {
            end(rc, tooLarge(path, limit));
            return;
          }
          rc.next();
        },
        100);
  }

  /**
   * What the agent role does not serve: the admission webhook and the API's contract and UI (its
   * port serves health and metrics only; the REST API itself is answered below, with its own
   * message).
   */
  static boolean controllerOnly(String path) {
    return path.startsWith("/admission")
        || path.startsWith("/q/openapi")
        || path.startsWith("/q/swagger-ui")
        || path.startsWith("/q/dev");
  }

  static Problem tooLarge(String path, int limit) {
    return new Problem(
        Problem.type("body-too-large"),
        "Payload Too Large",
        413,
        "the request body is over the limit of " + limit + " bytes",
        path,
        List.of(new Problem.FieldError("body", "larger than " + limit + " bytes")));
  }

  /**
   * 400 naming the first query parameter whose value is not valid percent-encoding (e.g. {@code
   * ?continue=%%%}), else null: the framework would refuse it while decoding, with an empty body.
   */
  static Problem badlyEncodedParameter(String query, String path) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (!validPercentEncoding(pair)) {
        String parameter = validPercentEncoding(name) ? name : "query";
        return new Problem(
            Problem.type("bad-parameter"),
            "Bad parameter",
            400,
            parameter + " is not valid percent-encoding (RFC 3986): a % must start %XX",
            path,
            List.of(new Problem.FieldError(parameter, "not valid percent-encoding")));
      }
    }
    return null;
  }

  private static boolean validPercentEncoding(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '%') {
        if (i + 2 >= text.length()
            || Character.digit(text.charAt(i + 1), 16) < 0
            || Character.digit(text.charAt(i + 2), 16) < 0) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }

  private static boolean tooLong(String length, int limit) {
    try {
      return Long.parseLong(length.trim()) > limit;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void end(io.vertx.ext.web.RoutingContext rc, Problem problem) {
    rc.response()
        .setStatusCode(problem.status())
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader("Connection", "close")
        .end(StrictJson.write(problem));
  }
}

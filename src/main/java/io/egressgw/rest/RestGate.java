package io.egressgw.rest;

import io.egressgw.role.ProcessRole;
import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * A Vert.x route filter in front of the public REST API. It answers before the body is read: 413
 * when Content-Length is over the limit (chunked bodies are bounded again while reading, see {@link
 * CustomResourceEndpoint}), and 404 when this process runs the agent role, which does not serve the
 * public API, the admission webhook, OpenAPI, Swagger UI or the status page.
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
   * What the agent role does not serve: the admission webhook, the API's contract and UI and the
   * live status page (its port serves health and metrics only; the REST API itself is answered
   * below, with its own message).
   */
  static boolean controllerOnly(String path) {
    return path.startsWith("/admission")
        || path.startsWith("/q/openapi")
        || path.startsWith("/q/swagger-ui")
        || path.startsWith("/q/dev")
        || path.equals("/ui")
        || path.startsWith("/ui/");
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

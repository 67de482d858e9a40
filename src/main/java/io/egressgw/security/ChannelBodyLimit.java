package io.egressgw.security;

import io.egressgw.rest.Problem;
import io.egressgw.rest.StrictJson;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Bounds the bodies of the agent channel ({@code /v1/agents/...}) and the admission webhook ({@code
 * /admission/...}) before a byte of them is read: a heartbeat or an AdmissionReview is a few KiB,
 * so more than {@link #LIMIT} is refused 413, and a body of unknown length (chunked) 411. Otherwise
 * anyone could make the controller buffer 16 MiB per request before it authenticates (issue 15).
 */
@Singleton
public class ChannelBodyLimit {
  /** 64 KiB. */
  static final int LIMIT = 64 * 1024;

  void register(@Observes Filters filters) {
    filters.register(this::check, RequestLineGuard.PRIORITY - 1);
  }

  private void check(RoutingContext rc) {
    String path = rc.request().path();
    if (!(path.startsWith("/v1/agents/") || path.startsWith("/admission"))) {
      rc.next();
      return;
    }
    String length = rc.request().getHeader("Content-Length");
    String encoding = rc.request().getHeader("Transfer-Encoding");
    if (length == null && encoding != null) {
      end(
          rc,
          new Problem(
              Problem.type("length-required"),
              "Length Required",
              411,
              "a body on this path needs a Content-Length (at most " + LIMIT + " bytes)",
              path,
              List.of()));
      return;
    }
    if (length != null && tooLong(length)) {
      end(
          rc,
          new Problem(
              Problem.type("body-too-large"),
              "Payload Too Large",
              413,
              "the request body is over the limit of " + LIMIT + " bytes",
              path,
              List.of(new Problem.FieldError("body", "larger than " + LIMIT + " bytes"))));
      return;
    }
    rc.next();
  }

  private static boolean tooLong(String length) {
    try {
      return Long.parseLong(length.trim()) > LIMIT;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static void end(RoutingContext rc, Problem problem) {
    rc.response()
        .setStatusCode(problem.status())
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader("Connection", "close")
        .end(StrictJson.write(problem));
  }
}

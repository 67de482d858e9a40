package io.egressgw.security;

import io.egressgw.rest.Problem;
import io.egressgw.rest.StrictJson;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.OptionalLong;

/**
 * Limits each client's rate of calls to the REST API ({@code /v1/}; issue 15), before anything else
 * runs for the request: a token bucket per client address ({@link TokenBuckets}, {@link
 * RestRateLimitSettings}), a refused call answered 429 problem+json with Retry-After (whole
 * seconds, at least 1). The client is the connection's peer address: forwarded-for headers are not
 * trusted, since anyone can write them. The agent channel ({@code /v1/agents/}) is not limited
 * here: agents call at a fixed cadence, and a refused heartbeat would make a node Down.
 */
@Singleton
public class RestRateLimit {
  /** Before the request-line guard, so that a flood of junk paths costs a bucket lookup. */
  static final int PRIORITY = RequestLineGuard.PRIORITY + 1;

  @Inject RestRateLimitSettings settings;

  private TokenBuckets buckets;

  void register(@Observes Filters filters) {
    if (!settings.enabled()) {
      return;
    }
    buckets =
        new TokenBuckets(
            settings.requestsPerSecond(),
            settings.burst(),
            settings.maxClients(),
            System::nanoTime);
    filters.register(this::check, PRIORITY);
  }

  private void check(RoutingContext rc) {
    String path = rc.request().path();
    if (path == null || !path.startsWith("/v1/") || path.startsWith("/v1/agents/")) {
      rc.next();
      return;
    }
    OptionalLong wait = buckets.take(client(rc.request().remoteAddress()));
    if (wait.isEmpty()) {
      rc.next();
      return;
    }
    long seconds = Math.max(1, (wait.getAsLong() + 999_999_999L) / 1_000_000_000L);
    rc.response()
        .setStatusCode(429)
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader("Retry-After", String.valueOf(seconds))
        .end(
            StrictJson.write(
                new Problem(
                    Problem.type("too-many-requests"),
                    "Too Many Requests",
                    429,
                    "this client made more than "
                        + settings.requestsPerSecond()
                        + " requests a second (burst "
                        + settings.burst()
                        + "); retry after "
                        + seconds
                        + " s",
                    path,
                    List.of())));
  }

  /** The peer's address; a Unix socket peer (the lab's agents, local tools) is one client. */
  private static String client(SocketAddress peer) {
    if (peer == null) {
      return "unknown";
    }
    return peer.host() != null ? peer.host() : "unix:" + peer.path();
  }
}

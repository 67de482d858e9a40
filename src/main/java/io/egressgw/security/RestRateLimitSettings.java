package io.egressgw.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The REST API's per-client rate limit ({@code egressgw.rest.rate-limit.*}): a token bucket per
 * client address, refused requests answered 429 with Retry-After.
 */
@ConfigMapping(prefix = "egressgw.rest.rate-limit")
public interface RestRateLimitSettings {
  /** Whether calls under {@code /v1/} (except the agent channel) are rate limited per client. */
  @WithDefault("true")
  boolean enabled();

  /** Requests a client may make per second, on average. */
  @WithDefault("50")
  double requestsPerSecond();

  /** Requests a client may make at once, before the average applies. */
  @WithDefault("100")
  int burst();

  /** Clients (addresses) tracked at once; the least recently seen is forgotten beyond. */
  @WithDefault("10000")
  int maxClients();
}

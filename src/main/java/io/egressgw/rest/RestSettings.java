package io.egressgw.rest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Settings of the public REST API ({@code egressgw.rest.*}). */
@ConfigMapping(prefix = "egressgw.rest")
public interface RestSettings {
  /**
   * Largest request body accepted, in bytes; larger ones get 413. Our objects are a few hundred
   * bytes; Kubernetes itself refuses objects over about 1.5 MiB.
   */
  @WithName("max-body-bytes")
  @WithDefault("1048576")
  int maxBodyBytes();

  /** How long a write waits for the informer cache to show it, so that a GET after it sees it. */
  @WithName("cache-wait-millis")
  @WithDefault("5000")
  long cacheWaitMillis();

  /** Largest page a list answers; also the page size when limit is not given. */
  @WithName("max-page-size")
  @WithDefault("500")
  int maxPageSize();

  /** Open watches ({@code ?watch=true}) one client may have; one more is 429. */
  @WithName("max-watches-per-client")
  @WithDefault("4")
  int maxWatchesPerClient();

  /** Seconds between BOOKMARK events on a watch that has nothing else to say. */
  @WithName("watch-bookmark-seconds")
  @WithDefault("10")
  int watchBookmarkSeconds();
}

package io.egressgw.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the controller decides that a node's agent is gone (issue #3: health and failover). */
@ConfigMapping(prefix = "egressgw.controller.liveness")
public interface LivenessSettings {
  /**
   * The heartbeat interval agents use; a node is Down after {@link #missCount()} of them are
   * missed.
   */
  @WithDefault("100ms")
  Duration interval();

  /** Missed heartbeats before a node is declared Down. */
  @WithDefault("3")
  int missCount();

  /**
   * How often liveness is evaluated. Detection lags the miss window by at most this much, so keep
   * it well below {@link #interval()}.
   */
  @WithDefault("25ms")
  Duration checkInterval();

  /** The miss window: no heartbeat for this long means Down. */
  default Duration missWindow() {
    return interval().multipliedBy(missCount());
  }
}

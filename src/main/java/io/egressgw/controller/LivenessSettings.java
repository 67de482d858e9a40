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

  /**
   * A gap between two liveness sweeps longer than this means the controller itself stalled (a GC
   * pause, SIGSTOP, a starved thread): heartbeats may be unread, so the sweep gives every node that
   * was Up a new window instead of declaring it Down.
   */
  @WithDefault("150ms")
  Duration stallThreshold();

  /**
   * Mass-failure guard: when more than this share of the nodes that were Up go Down within {@link
   * #massFailureWindow()}, placement freezes (moves nothing off them) and groups report Degraded
   * with reason FailoverFrozen, until the share falls back (nodes return or their Node objects are
   * deleted). 1.0 disables the guard.
   */
  @WithDefault("0.5")
  double maxDownShare();

  /** How close together Down verdicts must be to count as one mass failure. */
  @WithDefault("2s")
  Duration massFailureWindow();

  /**
   * How long a new leader waits for the agents before it declares anyone Down or places anything
   * (at least the miss window): agents reach it only once its pod label has moved the leader-only
   * Service's endpoints.
   */
  @WithDefault("3s")
  Duration leaderGrace();

  /** The miss window: no heartbeat for this long means Down. */
  default Duration missWindow() {
    return interval().multipliedBy(missCount());
  }
}

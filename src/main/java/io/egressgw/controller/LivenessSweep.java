package io.egressgw.controller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The liveness sweep, run every {@code check-interval} on the leader: turns missed heartbeats into
 * Down verdicts (and returns into Up), records when each failover began so that placement can
 * measure it, and notices the end of a new leader's grace period. Any of these needs a reconcile.
 */
@ApplicationScoped
public class LivenessSweep {
  private static final Logger LOG = Logger.getLogger(LivenessSweep.class);

  @Inject ChannelState state;
  @Inject Leadership leadership;
  @Inject ControllerMetrics metrics;
  @Inject Clock clock;

  /** Down nodes whose floating IPs placement has not yet moved: node -> last heartbeat. */
  private final Map<String, Instant> pendingFailovers = new ConcurrentHashMap<>();

  private volatile boolean graceHandled = true;

  /** A new leadership began: its grace period must end before anything is placed. */
  void leadershipStarted() {
    graceHandled = false;
  }

  /**
   * One sweep over the cluster's {@code nodes} (names); true when a reconcile is needed (a node
   * went Down or came Up, or the grace period just ended). Does nothing unless leading.
   */
  boolean sweep(Collection<String> nodes) {
    if (!leadership.isLeader()) {
      return false;
    }
    Instant now = clock.instant();
    boolean changed = false;
    for (AgentLiveness.Transition t : state.liveness().sweep(nodes, now)) {
      changed = true;
      if (!t.alive() && t.lastHeartbeat() == null) {
        // Alive only by a leader's grace period, never heard from: not a failover.
        LOG.debugf("node %s has no agent", t.node());
      } else if (!t.alive()) {
        Instant last = t.lastHeartbeat();
        metrics.detected(Duration.between(last, now));
        pendingFailovers.put(t.node(), last);
        LOG.infof(
            "node %s is Down: no heartbeat for %d ms",
            t.node(), Duration.between(last, now).toMillis());
      } else {
        LOG.infof("node %s is Up", t.node());
      }
    }
    if (!graceHandled && !state.liveness().inGrace(now)) {
      graceHandled = true;
      changed = true;
    }
    return changed;
  }

  /** The failovers not yet handled by a written placement: node -> its last heartbeat. */
  Map<String, Instant> pendingFailovers() {
    return Map.copyOf(pendingFailovers);
  }

  /** The last heartbeat of {@code node} if it is Down and its failover is pending, else null. */
  Instant pendingFailoverOf(String node) {
    return pendingFailovers.get(node);
  }

  /**
   * A placement that moved the IPs of these Down nodes was written; a node that went Down again
   * meanwhile (another last heartbeat) stays pending.
   */
  void failoversHandled(Map<String, Instant> handled) {
    handled.forEach(pendingFailovers::remove);
  }
}

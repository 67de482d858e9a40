package io.egressgw.controller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The liveness sweep, run every {@code check-interval} on the leader: turns missed heartbeats into
 * Down verdicts (and returns into Up), records when each failover began so that placement can
 * measure it, and notices the end of a new leader's grace period. Any of these needs a reconcile.
 */
@ApplicationScoped
public class LivenessSweep {
  private static final Logger LOG = Logger.getLogger(LivenessSweep.class);

  private final ChannelState state;
  private final Leadership leadership;
  private final ControllerMetrics metrics;
  private final Clock clock;
  private final LivenessSettings settings;

  @Inject
  LivenessSweep(
      ChannelState state,
      Leadership leadership,
      ControllerMetrics metrics,
      Clock clock,
      LivenessSettings settings) {
    this.state = state;
    this.leadership = leadership;
    this.metrics = metrics;
    this.clock = clock;
    this.settings = settings;
  }

  /** Down nodes whose floating IPs placement has not yet moved: node -> last heartbeat. */
  private final Map<String, Instant> pendingFailovers = new ConcurrentHashMap<>();

  private volatile boolean graceHandled = true;

  private MassFailureGuard guard;

  /** When the previous sweep ran (the liveness thread only). */
  private volatile Instant lastSweep;

  /** Set by the election's thread, acted on by the next sweep on the liveness thread. */
  private final AtomicBoolean leadershipBegan = new AtomicBoolean();

  /**
   * A new leadership began: its grace period must end before anything is placed, and nothing of an
   * earlier leadership (a freeze, failovers it had not written, its last sweep) carries over. The
   * reset itself runs at the start of the next sweep, on the liveness thread, so that it never
   * interleaves with a sweep in progress.
   */
  void leadershipStarted() {
    leadershipBegan.set(true);
  }

  private void resetForNewLeadership() {
    graceHandled = false;
    lastSweep = null;
    pendingFailovers.clear();
    guard().reset();
    metrics.failoverFrozen(false);
  }

  private synchronized MassFailureGuard guard() {
    if (guard == null) {
      guard =
          new MassFailureGuard(
              settings.maxDownShare(),
              settings.missWindow().minus(settings.interval().dividedBy(2)),
              settings.massFailureWindow(),
              settings.missWindow());
    }
    return guard;
  }

  /**
   * The nodes the mass-failure guard holds: Down, but placement moves nothing off them. Empty
   * unless frozen.
   */
  Set<String> heldByFreeze() {
    return guard().held();
  }

  /**
   * The nodes that went Down together, held one miss window until their failure is confirmed (see
   * {@link MassFailureGuard}); empty otherwise.
   */
  Set<String> heldForConfirmation() {
    return guard().confirming();
  }

  /**
   * One sweep over the cluster's {@code nodes} (names); true when a reconcile is needed (a node
   * went Down or came Up, or the grace period just ended). Does nothing unless leading.
   */
  boolean sweep(Collection<String> nodes) {
    if (!leadership.isLeader()) {
      return false;
    }
    if (leadershipBegan.getAndSet(false)) {
      resetForNewLeadership();
    }
    Instant now = clock.instant();
    if (lastSweep != null
        && Duration.between(lastSweep, now).compareTo(settings.stallThreshold()) > 0) {
      LOG.warnf(
          "liveness sweep ran %d ms after the previous one: the controller stalled; nodes that"
              + " were Up get a new window",
          Duration.between(lastSweep, now).toMillis());
      metrics.stalled();
      state.liveness().stalledUntil(now, Duration.between(lastSweep, now));
    }
    lastSweep = now;
    boolean changed = false;
    Set<String> newlyDown = new HashSet<>();
    for (AgentLiveness.Transition t : state.liveness().sweep(nodes, now)) {
      changed = true;
      if (!t.alive() && t.lastHeartbeat() != null) {
        newlyDown.add(t.node());
      }
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
    boolean wasFrozen = guard().frozen();
    Set<String> wasConfirming = guard().confirming();
    // The guard needs the whole picture only when a node was just declared Down or while it holds
    // nodes: the copies are O(nodes), and this runs every check-interval.
    if ((guard().holding() || !newlyDown.isEmpty())
        && guard()
            .evaluate(
                state.liveness().verdicts(), newlyDown, state.liveness().lastHeartbeats(), now)) {
      changed = true;
      Set<String> confirming = guard().confirming();
      if (wasConfirming.isEmpty() && !confirming.isEmpty()) {
        LOG.warnf(
            "%s went Down together: their floating IPs stay where they are for %d ms, until"
                + " their failure is confirmed",
            confirming, settings.missWindow().toMillis());
      } else if (!wasConfirming.isEmpty() && confirming.isEmpty() && !guard().frozen()) {
        Map<String, Boolean> verdicts = state.liveness().verdicts();
        Set<String> stillDown = new java.util.TreeSet<>(wasConfirming);
        stillDown.removeIf(n -> !Boolean.FALSE.equals(verdicts.get(n)));
        Set<String> back = new java.util.TreeSet<>(wasConfirming);
        back.removeAll(stillDown);
        LOG.infof(
            "nodes that went Down together: back Up without a move: %s; failed over now: %s",
            back, stillDown);
      }
      boolean frozen = guard().frozen();
      metrics.failoverFrozen(frozen);
      if (frozen && !wasFrozen) {
        LOG.warnf(
            "failover frozen: %s went Down at once, more than %.0f%% of the nodes that were Up;"
                + " their floating IPs stay where they are",
            guard().held(), settings.maxDownShare() * 100);
      } else if (!frozen && wasFrozen) {
        LOG.infof("failover unfrozen: nodes still Down are failed over now");
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

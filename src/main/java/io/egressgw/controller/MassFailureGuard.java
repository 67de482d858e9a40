package io.egressgw.controller;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mass-failure guard (issue #12), Kubernetes' full-disruption mode for floating IPs: when more
 * than a share of the nodes that were Up fail at once, the likelier cause is the controller's own
 * view (its network, its node, the API server) rather than half the cluster dying, and moving every
 * floating IP would make things worse. The guard then holds the failed nodes: placement treats them
 * as Up and moves nothing off them, while their status still says Down. Agents keep their IPs on
 * their own (fail static), so egress keeps working through whatever part of the cluster is really
 * alive.
 *
 * <p>"At once" is judged when the first node of the event is declared Down: the other nodes of a
 * mass failure have by then been silent for most of a miss window too (heartbeat phases spread over
 * one interval), so nodes not heard for {@code silentAfter} count as failing. A freeze needs at
 * least {@link #MIN_FAILING} failing nodes: in a smaller cluster, moving an IP costs nothing that
 * freezing would save, and a starved test machine must not freeze two-node clusters. While frozen,
 * nodes that go Down are held too; a node that comes back (or whose Node object is deleted) is
 * released. The guard lifts once the held nodes have been at most the share of the population for
 * {@code settle}, and placement then fails over the nodes still Down.
 *
 * <p>Below the mass-failure threshold, two or more nodes failing at once (declared Down in one
 * sweep, or declared while another Up node has been silent for {@code silentAfter}) are held for
 * {@code confirm} first: independent deaths rarely land in one sweep, while a starved machine's or
 * a paused network's late heartbeats do, and moving an IP to a node that is not its standby (its
 * holder and standby both "failed") breaks every connection the standby's replicated state would
 * have saved. Nodes heard again within the window are released with nothing moved; the rest are
 * failed over when it ends. The cost: a real simultaneous failure of two nodes fails over {@code
 * confirm} later. A single node's failure is never held.
 *
 * <p>Times are passed in; the liveness thread is its only caller.
 */
final class MassFailureGuard {
  /** Fewer failing nodes than this are never a mass failure (small clusters fail over). */
  static final int MIN_FAILING = 3;

  private final double maxDownShare;
  private final Duration silentAfter;
  private final Duration settle;
  private final Duration confirm;
  private final Set<String> held = new TreeSet<>();
  private final Set<String> confirming = new TreeSet<>();
  private Instant belowSince;
  private Instant confirmUntil;

  MassFailureGuard(double maxDownShare, Duration silentAfter, Duration settle) {
    this(maxDownShare, silentAfter, settle, Duration.ZERO);
  }

  /** {@code confirm}: how long nodes failing together are held first (zero: never). */
  MassFailureGuard(double maxDownShare, Duration silentAfter, Duration settle, Duration confirm) {
    this.maxDownShare = maxDownShare;
    this.silentAfter = silentAfter;
    this.settle = settle;
    this.confirm = confirm;
  }

  /**
   * Evaluates one sweep: {@code verdicts} maps every node to whether it is alive now, {@code
   * newlyDown} are the nodes this sweep declared Down, {@code lastHeard} the last heartbeat of each
   * node that has one. True when the held set changed (placement must run again).
   */
  synchronized boolean evaluate(
      Map<String, Boolean> verdicts,
      Set<String> newlyDown,
      Map<String, Instant> lastHeard,
      Instant now) {
    boolean changed = evaluateFreeze(verdicts, newlyDown, lastHeard, now);
    return evaluateConfirmation(verdicts, newlyDown, lastHeard, now) || changed;
  }

  /** The nodes failing now: those just declared Down and the Up ones silent for silentAfter. */
  private Set<String> failing(
      Map<String, Boolean> verdicts,
      Set<String> newlyDown,
      Map<String, Instant> lastHeard,
      Instant now) {
    Set<String> failing = new HashSet<>(newlyDown);
    verdicts.forEach(
        (node, up) -> {
          Instant last = lastHeard.get(node);
          if (up && last != null && Duration.between(last, now).compareTo(silentAfter) > 0) {
            failing.add(node);
          }
        });
    return failing;
  }

  private boolean evaluateConfirmation(
      Map<String, Boolean> verdicts,
      Set<String> newlyDown,
      Map<String, Instant> lastHeard,
      Instant now) {
    if (confirm.isZero() || maxDownShare >= 1.0) {
      return false;
    }
    if (!held.isEmpty()) {
      // a mass failure after all: the freeze holds them from now on
      boolean had = !confirming.isEmpty();
      held.addAll(confirming);
      confirming.clear();
      return had;
    }
    if (!confirming.isEmpty()) {
      boolean changed = confirming.removeIf(n -> !Boolean.FALSE.equals(verdicts.get(n)));
      if (!confirming.isEmpty() && !now.isBefore(confirmUntil)) {
        confirming.clear();
        return true;
      }
      return confirming.addAll(newlyDown) || changed;
    }
    if (newlyDown.isEmpty() || failing(verdicts, newlyDown, lastHeard, now).size() < 2) {
      return false;
    }
    confirming.addAll(newlyDown);
    confirmUntil = now.plus(confirm);
    return true;
  }

  private boolean evaluateFreeze(
      Map<String, Boolean> verdicts,
      Set<String> newlyDown,
      Map<String, Instant> lastHeard,
      Instant now) {
    int alive = (int) verdicts.values().stream().filter(Boolean::booleanValue).count();
    if (held.isEmpty()) {
      if (newlyDown.isEmpty() || maxDownShare >= 1.0) {
        return false;
      }
      Set<String> failing = failing(verdicts, newlyDown, lastHeard, now);
      int population = alive + newlyDown.size();
      if (failing.size() < MIN_FAILING || failing.size() <= maxDownShare * population) {
        return false;
      }
      held.addAll(newlyDown);
      belowSince = null;
      return true;
    }
    boolean changed = held.removeIf(n -> !Boolean.FALSE.equals(verdicts.get(n)));
    changed |= held.addAll(newlyDown);
    int population = alive + held.size();
    if (held.size() <= maxDownShare * population) {
      if (belowSince == null) {
        belowSince = now;
      } else if (Duration.between(belowSince, now).compareTo(settle) >= 0) {
        held.clear();
        return true;
      }
    } else {
      belowSince = null;
    }
    return changed;
  }

  /** The nodes held: Down, but placement moves nothing off them. Empty unless frozen. */
  synchronized Set<String> held() {
    return Set.copyOf(held);
  }

  synchronized boolean frozen() {
    return !held.isEmpty();
  }

  /**
   * The nodes that failed together, held until their failure is confirmed (see the class comment):
   * Down, but placement moves nothing off them yet. Never frozen ones.
   */
  synchronized Set<String> confirming() {
    return Set.copyOf(confirming);
  }

  /** Frozen, or nodes held for confirmation: the guard must see every sweep. */
  synchronized boolean holding() {
    return !held.isEmpty() || !confirming.isEmpty();
  }

  /** A new leadership starts unfrozen. */
  synchronized void reset() {
    held.clear();
    confirming.clear();
    belowSince = null;
  }
}

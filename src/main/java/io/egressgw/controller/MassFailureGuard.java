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
 * <p>Times are passed in; the liveness thread is its only caller.
 */
final class MassFailureGuard {
  /** Fewer failing nodes than this are never a mass failure (small clusters fail over). */
  static final int MIN_FAILING = 3;

  private final double maxDownShare;
  private final Duration silentAfter;
  private final Duration settle;
  private final Set<String> held = new TreeSet<>();
  private Instant belowSince;

  MassFailureGuard(double maxDownShare, Duration silentAfter, Duration settle) {
    this.maxDownShare = maxDownShare;
    this.silentAfter = silentAfter;
    this.settle = settle;
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
    int alive = (int) verdicts.values().stream().filter(Boolean::booleanValue).count();
    if (held.isEmpty()) {
      if (newlyDown.isEmpty() || maxDownShare >= 1.0) {
        return false;
      }
      Set<String> failing = new HashSet<>(newlyDown);
      verdicts.forEach(
          (node, up) -> {
            Instant last = lastHeard.get(node);
            if (up && last != null && Duration.between(last, now).compareTo(silentAfter) > 0) {
              failing.add(node);
            }
          });
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

  /** A new leadership starts unfrozen. */
  synchronized void reset() {
    held.clear();
    belowSince = null;
  }
}

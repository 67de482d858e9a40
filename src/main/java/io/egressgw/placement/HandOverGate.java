package io.egressgw.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Holds a planned hand-over (cordon, drain label, agent stopping: {@link FloatingIpMove#planned()}
 * and {@link NodeDrain#waitsForStandby()}; not an uplink that is down) of a floating IP to its
 * standby until the standby holds the IP's replicated conntrack state, so that no flow loses its
 * NAT binding, or until {@code maxWait} has passed since the hand-over was first held (then the IP
 * moves anyway, and the move is reported as late). A failure (the holder is Down) is never held:
 * there is nobody left to wait with. A move to a node that was not the IP's standby is not held
 * either: no node had the state.
 *
 * <p>Held means: the IP stays on its draining holder and keeps its standby, as if placement had not
 * moved it; placement proposes the move again next time. Pure apart from the time each hand-over
 * was first held (one placement thread calls it).
 */
public final class HandOverGate {
  private final Duration maxWait;
  private final Map<String, Instant> heldSince = new HashMap<>();

  /**
   * What the gate made of a placement.
   *
   * @param result the placement with held hand-overs undone
   * @param held floating IP -> the standby it waits for
   * @param late planned moves let through without the standby's confirmation (waited out)
   * @param deadline the earliest moment a held hand-over is let through regardless, if any
   */
  public record Outcome(
      PlacementResult result,
      Map<String, String> held,
      List<FloatingIpMove> late,
      Optional<Instant> deadline) {}

  public HandOverGate(Duration maxWait) {
    this.maxWait = maxWait;
  }

  /**
   * The placement with every planned hand-over whose standby is not ready yet undone.
   *
   * @param result placement's result
   * @param standbysBefore floating IP -> its standby before this placement
   * @param ready whether (ip, standby) holds the IP's replicated state
   * @param replicating whether a node replicates at all (both ends must for a hand-over to wait)
   */
  public Outcome apply(
      PlacementResult result,
      Map<String, String> standbysBefore,
      BiPredicate<String, String> ready,
      java.util.function.Predicate<String> replicating,
      Instant now) {
    Map<String, String> assignment = new LinkedHashMap<>(result.assignment());
    Map<String, String> standbys = new LinkedHashMap<>(result.standbys());
    List<FloatingIpMove> moves = new ArrayList<>();
    Map<String, String> held = new LinkedHashMap<>();
    List<FloatingIpMove> late = new ArrayList<>();
    Instant deadline = null;
    for (FloatingIpMove m : result.moves()) {
      boolean gated =
          m.planned()
              && NodeDrain.ofCause(m.cause()).waitsForStandby()
              && m.fromNode() != null
              && m.toNode() != null
              && m.toNode().equals(standbysBefore.get(m.ip()))
              && replicating.test(m.fromNode())
              && replicating.test(m.toNode());
      if (!gated || ready.test(m.ip(), m.toNode())) {
        heldSince.remove(m.ip());
        moves.add(m);
        continue;
      }
      Instant until = heldSince.computeIfAbsent(m.ip(), k -> now).plus(maxWait);
      if (!now.isBefore(until)) {
        heldSince.remove(m.ip());
        moves.add(m);
        late.add(m);
        continue;
      }
      assignment.put(m.ip(), m.fromNode());
      standbys.put(m.ip(), m.toNode());
      held.put(m.ip(), m.toNode());
      deadline = deadline == null || until.isBefore(deadline) ? until : deadline;
    }
    heldSince.keySet().retainAll(held.keySet());
    return new Outcome(
        new PlacementResult(assignment, result.unassigned(), moves, standbys),
        held,
        late,
        Optional.ofNullable(deadline));
  }

  /** True while some hand-over is held. */
  public boolean holding() {
    return !heldSince.isEmpty();
  }

  /** Forgets every held hand-over (a new leadership). */
  public void clear() {
    heldSince.clear();
  }
}

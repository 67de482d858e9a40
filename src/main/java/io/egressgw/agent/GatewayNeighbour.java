package io.egressgw.agent;

import io.egressgw.dataplane.Neighbours;
import java.time.Duration;

/**
 * What the agent does about the neighbour entry of a gateway it steers to, on each pass. egw_steer
 * takes the gateway's MAC from that entry and writes it into the frame itself, so no packet ever
 * asks the kernel to confirm the entry: left alone, a REACHABLE entry turns STALE and stays so,
 * with whatever MAC it had. A gateway whose MAC changed (its NIC replaced, its node re-created with
 * the same address) would be sent every steered packet at the old MAC, forever. So the agent
 * confirms entries itself: a STALE one, or a REACHABLE one not confirmed for a while, is put into
 * PROBE; the kernel sends unicast probes to the MAC it holds and, unanswered, fails the entry (then
 * egw_steer drops, counted as no_neighbour, and the next pass resolves the gateway afresh by
 * broadcast).
 */
public final class GatewayNeighbour {
  private GatewayNeighbour() {}

  /** What to do with one gateway's entry. */
  public enum Action {
    /** Nothing: fresh, being confirmed by the kernel already, or set by hand. */
    NONE,
    /** No usable MAC (no entry, INCOMPLETE, FAILED): resolve it (NTF_USE, broadcast ARP). */
    RESOLVE,
    /** A MAC nobody confirmed lately: re-probe it (NUD_PROBE, unicast ARP to that MAC). */
    PROBE
  }

  /**
   * The action for one gateway's entry.
   *
   * @param entry the gateway's entry, or null when the kernel has none
   * @param reprobeAfter how long a REACHABLE entry may go unconfirmed
   */
  public static Action of(Neighbours.Entry entry, Duration reprobeAfter) {
    if (entry == null) {
      return Action.RESOLVE;
    }
    int state = entry.state();
    if ((state & (Neighbours.NUD_PERMANENT | Neighbours.NUD_NOARP)) != 0) {
      return Action.NONE;
    }
    if ((state & (Neighbours.NUD_DELAY | Neighbours.NUD_PROBE)) != 0) {
      return Action.NONE;
    }
    if ((state & Neighbours.NUD_STALE) != 0) {
      return Action.PROBE;
    }
    if ((state & Neighbours.NUD_REACHABLE) != 0) {
      return entry.confirmedMillisAgo() >= reprobeAfter.toMillis() ? Action.PROBE : Action.NONE;
    }
    return Action.RESOLVE; // NONE, INCOMPLETE, FAILED
  }
}

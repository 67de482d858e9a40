package io.egressgw.placement;

/**
 * Why a node that is up must give up its floating IPs (primary and standby) and take no new ones. A
 * planned hand-over, unlike a failure: the node still forwards while its IPs move to their
 * standbys, and gets nothing back when the drain ends (placement is stable).
 */
public enum NodeDrain {
  /** Not draining: eligible while up. */
  NONE("", ""),
  /** The Node has {@code spec.unschedulable: true} ({@code kubectl cordon}). */
  CORDONED("Cordoned", "is cordoned (spec.unschedulable)"),
  /** The Node carries the label {@code egressgw.io/drain} (any value). */
  DRAIN_LABEL("Drained", "is labelled " + NodeDrain.LABEL),
  /** The node's agent is stopping (SIGTERM) and reported that it is draining. */
  AGENT_STOPPING("AgentDraining", "has an agent that is stopping"),
  /**
   * The node's agent reports its uplink down or without carrier (a cable, a switch port, a node cut
   * from the segment while its path to the controller works): it cannot serve its IPs, so they move
   * at once, without waiting for the standby's replicated state ({@link #waitsForStandby}).
   */
  UPLINK_DOWN("UplinkDown", "has its uplink down (no carrier)");

  /** The Node label that drains a node without cordoning it. */
  public static final String LABEL = "egressgw.io/drain";

  private final String cause;
  private final String description;

  NodeDrain(String cause, String description) {
    this.cause = cause;
    this.description = description;
  }

  /** The cause named in the move's Event (e.g. {@code Cordoned}); empty for {@link #NONE}. */
  public String cause() {
    return cause;
  }

  /**
   * True when a hand-over off a node draining for this reason waits for the standby to hold the
   * IP's replicated state ({@link HandOverGate}): the node still forwards meanwhile. Not for an
   * uplink that is down: the node forwards nothing, waiting would only lengthen the outage.
   */
  public boolean waitsForStandby() {
    return this != NONE && this != UPLINK_DOWN;
  }

  /** The drain whose {@link #cause()} is {@code cause}; {@link #NONE} for null or unknown. */
  public static NodeDrain ofCause(String cause) {
    for (NodeDrain d : values()) {
      if (d != NONE && d.cause.equals(cause)) {
        return d;
      }
    }
    return NONE;
  }

  /** Completes "node w1 ...", e.g. "is cordoned (spec.unschedulable)". */
  public String description() {
    return description;
  }
}

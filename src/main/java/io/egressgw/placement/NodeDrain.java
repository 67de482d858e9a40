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
  AGENT_STOPPING("AgentDraining", "has an agent that is stopping");

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

  /** Completes "node w1 ...", e.g. "is cordoned (spec.unschedulable)". */
  public String description() {
    return description;
  }
}

package io.egressgw.placement;

/**
 * One change of a floating IP's holder.
 *
 * @param ip the floating IP
 * @param fromNode the node that held it, null if it was unassigned
 * @param toNode the node that holds it now, null if it is now unassigned
 * @param reason why, for events and logs, e.g. "node worker1 is down; assigned to worker2"
 * @param cause a one-word cause for a planned hand-over ({@link NodeDrain#cause()}: Cordoned,
 *     Drained, AgentDraining), null for every other move
 */
public record FloatingIpMove(
    String ip, String fromNode, String toNode, String reason, String cause) {

  /** A move that is not a planned hand-over. */
  public FloatingIpMove(String ip, String fromNode, String toNode, String reason) {
    this(ip, fromNode, toNode, reason, null);
  }

  /** True when the old holder is draining (cordon, drain label, agent stopping), not failing. */
  public boolean planned() {
    return cause != null;
  }
}

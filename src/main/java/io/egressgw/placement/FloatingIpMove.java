package io.egressgw.placement;

/**
 * One change of a floating IP's holder.
 *
 * @param ip the floating IP
 * @param fromNode the node that held it, null if it was unassigned
 * @param toNode the node that holds it now, null if it is now unassigned
 * @param reason why, for events and logs, e.g. "node worker1 is down; assigned to worker2"
 */
public record FloatingIpMove(String ip, String fromNode, String toNode, String reason) {}

package io.egressgw.agent.channel;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.egressgw.program.ProgramDelta;
import java.util.List;
import java.util.Map;

/**
 * What the channel needs from the node's dataplane: apply a verified program, and the facts a
 * heartbeat reports. {@code io.egressgw.agent.NodeDataplane} implements it (or an adapter does).
 * Calls may block (netlink, bpf syscalls); the channel makes them off the event loop.
 */
public interface ProgramApplier {
  /** Makes the node's dataplane match {@code program}; idempotent. Throws when it could not. */
  void apply(NodeProgram program);

  /**
   * As {@link #apply(NodeProgram)}, with the delta the program was made from (it turns the program
   * applied last into this one), so that the dataplane can write only what changed.
   */
  default void apply(NodeProgram program, ProgramDelta delta) {
    apply(program);
  }

  /** Generation of the last program fully applied; 0 when none since this process started. */
  long appliedGeneration();

  /** The node's interface addresses with prefix, e.g. 192.168.1.11/24. */
  List<String> subnets();

  /** The node's address on the shared segment. */
  String nodeIP();

  /** Floating IPs configured on the node right now. */
  List<String> heldFloatingIPs();

  /** Per policy: packets and bytes this node steered or SNATed. */
  Map<String, NodeReport.PolicyCounters> counters();

  /** Packets the start-up guard dropped on this node ({@link NodeReport#guardDrops()}). */
  default long guardDrops() {
    return 0;
  }

  /** Packets the dataplane dropped, per reason ({@link NodeReport#drops()}). */
  default Map<String, Long> drops() {
    return Map.of();
  }

  /** Why the last apply failed, null when it did not ({@link NodeReport#applyError()}). */
  default String applyError() {
    return null;
  }

  /**
   * The controller answered a heartbeat with the generation this node applied: its program is
   * current, so floating IPs whose lease lapsed (a pause, a restart) are taken again ({@code
   * NodeDataplane#confirmFloatingIPs}), with a lease counted from {@code sentAtNanos}
   * (System.nanoTime() when the heartbeat was sent), so that a late answer extends nothing. Returns
   * the IPs taken.
   */
  default List<String> confirmFloatingIPs(long sentAtNanos) {
    return List.of();
  }

  /**
   * No controller answered a heartbeat sent at {@code failedSentAtNanos}: floating IPs whose lease
   * lapsed before then and that no other host claimed are taken again ({@code
   * NodeDataplane#keepFloatingIPsUnconfirmed}, fail static). Returns the IPs taken.
   */
  default List<String> keepFloatingIPsUnconfirmed(long failedSentAtNanos) {
    return List.of();
  }

  /**
   * The controller named floating IPs this node yielded as still assigned to it ({@link
   * io.egressgw.program.HeartbeatResponse#reclaim()}): those the applied program lists are taken
   * again, yielded or lapsed, with a lease counted from {@code sentAtNanos}. Returns the IPs taken.
   */
  default List<String> reclaimFloatingIPs(List<String> ips, long sentAtNanos) {
    return List.of();
  }

  /** Floating IPs another host claimed since this node took them: ip -> MAC. */
  default Map<String, String> floatingIpClaims() {
    return Map.of();
  }

  /** False while the node's uplink is down or has no carrier ({@code NodeReport.uplinkDown}). */
  default boolean uplinkUp() {
    return true;
  }

  /**
   * Floating IPs this node stands by for whose replicated conntrack state it holds in full ({@link
   * NodeReport#replicaReady()}); null when the node does not replicate.
   */
  default List<String> replicaReady() {
    return null;
  }

  /** The node's floating IP lease duration in ms (0: no leases). */
  default long leaseMillis() {
    return 0;
  }
}

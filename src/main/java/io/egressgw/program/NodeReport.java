package io.egressgw.program;

import java.util.List;
import java.util.Map;

/**
 * What an agent tells the controller on every heartbeat.
 *
 * @param node node name
 * @param agentId identifies one agent process (a restart changes it)
 * @param nodeIP the node's address on the segment other nodes reach it by
 * @param subnets the node's interface addresses with prefix, e.g. 192.168.1.1/24; placement uses
 *     them to decide which floating IPs the node may hold
 * @param appliedGeneration the generation of the last program fully applied, 0 when none
 * @param heldFloatingIPs floating IPs configured on the node right now
 * @param counters per policy name: packets and bytes steered or SNATed by this node
 * @param guardDrops packets the start-up guard dropped on this node (a pod not yet in the node's
 *     program sending to a guarded destination), since the node's counters were created
 * @param drops packets the dataplane dropped per reason (guard, no_egress, no_neighbour,
 *     not_on_link), since the node's counters were created; empty from older agents
 * @param applyError why the last program could not be applied (e.g. {@code CapacityExceeded: ...}),
 *     null when it was (or none was tried)
 * @param draining the agent is stopping (SIGTERM) and waits for a program without its floating IPs:
 *     the controller treats the node as ineligible and hands its IPs to their standbys. False from
 *     older agents
 */
public record NodeReport(
    String node,
    String agentId,
    String nodeIP,
    List<String> subnets,
    long appliedGeneration,
    List<String> heldFloatingIPs,
    Map<String, PolicyCounters> counters,
    long guardDrops,
    Map<String, Long> drops,
    String applyError,
    boolean draining) {

  public NodeReport {
    subnets = List.copyOf(subnets);
    heldFloatingIPs = List.copyOf(heldFloatingIPs);
    counters = Map.copyOf(counters);
    drops = drops == null ? Map.of() : Map.copyOf(drops);
  }

  /** A report of an agent that is not draining. */
  public NodeReport(
      String node,
      String agentId,
      String nodeIP,
      List<String> subnets,
      long appliedGeneration,
      List<String> heldFloatingIPs,
      Map<String, PolicyCounters> counters,
      long guardDrops,
      Map<String, Long> drops,
      String applyError) {
    this(
        node,
        agentId,
        nodeIP,
        subnets,
        appliedGeneration,
        heldFloatingIPs,
        counters,
        guardDrops,
        drops,
        applyError,
        false);
  }

  /** A report without drop reasons or apply error (older agents, tests). */
  public NodeReport(
      String node,
      String agentId,
      String nodeIP,
      List<String> subnets,
      long appliedGeneration,
      List<String> heldFloatingIPs,
      Map<String, PolicyCounters> counters,
      long guardDrops) {
    this(
        node,
        agentId,
        nodeIP,
        subnets,
        appliedGeneration,
        heldFloatingIPs,
        counters,
        guardDrops,
        Map.of(),
        null,
        false);
  }

  /** Packets and bytes counted by the dataplane for one policy. */
  public record PolicyCounters(long packets, long bytes) {}
}

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
 * @param floatingIpClaims floating IPs this node holds that another host claimed (gratuitous ARP)
 *     since it took them, ip -> the claimer's MAC: the node yielded them; empty from older agents
 * @param silentAfterMillis the node's floating IPs fall silent at most this long after the
 *     controller received this heartbeat, should the agent die now (its lease plus one heartbeat
 *     interval); the controller declares the node Down no earlier. 0: unknown (older agent)
 * @param draining the agent is stopping (SIGTERM) and waits for a program without its floating IPs:
 *     the controller treats the node as ineligible and hands its IPs to their standbys. False from
 *     older agents
 * @param replicaReady floating IPs this node stands by for whose replicated conntrack state it
 *     holds in full (a full dump installed): a planned hand-over to it waits for this. Null: the
 *     agent does not replicate (switched off, or older), and hand-overs to it do not wait
 * @param uplinkDown the node's uplink (its interface on the shared segment) is down or has no
 *     carrier: the node cannot serve a floating IP, and the controller moves its IPs to other nodes
 *     at once (not a planned hand-over: nothing to wait for). False from older agents
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
    Map<String, String> floatingIpClaims,
    long silentAfterMillis,
    boolean draining,
    List<String> replicaReady,
    boolean uplinkDown) {

  public NodeReport {
    subnets = List.copyOf(subnets);
    heldFloatingIPs = List.copyOf(heldFloatingIPs);
    counters = Map.copyOf(counters);
    drops = drops == null ? Map.of() : Map.copyOf(drops);
    floatingIpClaims = floatingIpClaims == null ? Map.of() : Map.copyOf(floatingIpClaims);
    silentAfterMillis = Math.max(0, silentAfterMillis);
    replicaReady = replicaReady == null ? null : List.copyOf(replicaReady);
  }

  /** A report whose node's uplink is up (tests, older agents). */
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
      String applyError,
      Map<String, String> floatingIpClaims,
      long silentAfterMillis,
      boolean draining,
      List<String> replicaReady) {
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
        floatingIpClaims,
        silentAfterMillis,
        draining,
        replicaReady,
        false);
  }

  /** A report of an agent that does not replicate conntrack state. */
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
      String applyError,
      Map<String, String> floatingIpClaims,
      long silentAfterMillis,
      boolean draining) {
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
        floatingIpClaims,
        silentAfterMillis,
        draining,
        null);
  }

  /** A report of an agent that is not draining, without lease facts (tests, older agents). */
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
        Map.of(),
        0,
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
        Map.of(),
        0,
        false);
  }

  /** Packets and bytes counted by the dataplane for one policy. */
  public record PolicyCounters(long packets, long bytes) {}
}

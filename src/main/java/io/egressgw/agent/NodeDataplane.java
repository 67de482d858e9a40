package io.egressgw.agent;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport.PolicyCounters;
import io.egressgw.program.ProgramDelta;
import java.util.List;
import java.util.Map;

/**
 * The node agent's dataplane, as the agent channel uses it: apply the controller's program and read
 * what goes into the heartbeat. Implementations are thread-safe.
 */
public interface NodeDataplane extends AutoCloseable {

  /**
   * Makes the node's dataplane match program, changing only what differs (idempotent). On failure
   * nothing is reported as applied and the next apply starts from what the kernel really holds.
   */
  ApplyResult apply(NodeProgram program);

  /**
   * As {@link #apply(NodeProgram)}, told what changed: {@code delta} turns the program applied last
   * into program (null when unknown). An implementation may use it to write only what changed; one
   * that does must ignore a delta whose base is not the program it applied last.
   */
  default ApplyResult apply(NodeProgram program, ProgramDelta delta) {
    return apply(program);
  }

  /**
   * Gives up every floating IP (address and SNAT element) and changes nothing else: sources,
   * routes, egresses and the start-up guard stay as installed, so the node keeps steering to the
   * other gateways (fail static) and keeps guarding (fail closed); a remote pod's packet that still
   * arrives for an egress this node held is marked for SNAT and dropped for want of its element,
   * never masqueraded.
   */
  void releaseFloatingIPs();

  /**
   * Sets what runs, inside {@link #apply}, for each floating IP this node is about to take, before
   * the IP's address is configured and announced: the conntrack replication installs the IP's
   * replicated flows there, so that no answer to a flow reaches this node before its entry does
   * (the node's stack would reset the flow). A failure of it is logged; the IP is taken anyway.
   */
  default void beforeTakingFloatingIp(java.util.function.IntConsumer preparation) {}

  /**
   * The controller confirmed that the applied program is still the node's current one: floating IPs
   * it lists whose lease lapsed (the agent was paused or restarted) are taken again, with a
   * gratuitous ARP. IPs another host claimed are not: only a new program takes those back. The
   * lease runs from {@code sentAtNanos} (System.nanoTime() when the confirmed heartbeat was sent),
   * so an answer that arrives late (a pause) takes nothing.
   *
   * @return the floating IPs taken again
   */
  default List<String> confirmFloatingIPs(long sentAtNanos) {
    return List.of();
  }

  /**
   * No controller answered a heartbeat sent at {@code failedSentAtNanos} (connection refused or
   * closed, timeout, 5xx): floating IPs whose lease lapsed before then (the agent stalled) and that
   * no other host claimed are taken again, with a gratuitous ARP, so that a stall while the
   * controller is down does not silence them until it is back (fail static).
   *
   * @return the floating IPs taken again
   */
  default List<String> keepFloatingIPsUnconfirmed(long failedSentAtNanos) {
    return List.of();
  }

  /** How many times a floating IP's lease lapsed because this agent renewed it too late. */
  default long leaseLapses() {
    return 0;
  }

  /**
   * The controller says {@code ips} are assigned to this node although it yielded them (another
   * host, e.g. an old holder applying a stale program, announced them): those the applied program
   * lists are taken again, yielded or lapsed, with a lease from {@code sentAtNanos}.
   *
   * @return the floating IPs taken again
   */
  default List<String> reclaimFloatingIPs(List<String> ips, long sentAtNanos) {
    return List.of();
  }

  /**
   * Floating IPs this node holds that another host claimed (gratuitous ARP) since this node took
   * them, with the claimer's MAC: this node has yielded them (ip -> MAC).
   */
  default Map<String, String> floatingIpClaims() {
    return Map.of();
  }

  /**
   * False while the uplink, the interface on the nodes' shared segment, is down or has no carrier:
   * the node cannot serve a floating IP, and the controller moves its IPs away.
   */
  default boolean uplinkUp() {
    return true;
  }

  /** How long this node's floating IPs stay usable after the last lease renewal (0: no leases). */
  default long leaseMillis() {
    return 0;
  }

  /** Generation of the last program fully applied (survives agent restarts), 0 when none. */
  long appliedGeneration();

  /** This node's address on the shared segment. */
  String nodeIP();

  /**
   * The node's interface addresses with prefix, excluding loopback, pod interfaces and floating
   * IPs.
   */
  List<String> subnets();

  /** Floating IPs configured on the uplink right now. */
  List<String> heldFloatingIPs();

  /** Packets and bytes this node steered or SNATed, per policy of the applied program. */
  Map<String, PolicyCounters> counters();

  /**
   * Packets the start-up guard dropped: traffic of a pod this node's program does not list yet to a
   * guarded destination (see ARCHITECTURE "The start-up guard").
   */
  long guardDrops();

  /**
   * Why the last apply failed ({@code CapacityExceeded: ...} when the program does not fit, the
   * kernel's error otherwise), null after a successful one.
   */
  default String applyError() {
    return null;
  }

  /** Packets the dataplane dropped, per reason (metric label), since its maps were created. */
  default Map<String, Long> drops() {
    return Map.of("guard", guardDrops());
  }

  /**
   * Conntrack entries SNATed to each floating IP this node holds (their reply goes to it), by
   * address; every held address is present, 0 included. Read from the kernel on each call.
   */
  default Map<String, Long> snatConnections() {
    return Map.of();
  }

  /**
   * Conntrack's failures to create an entry since boot, summed over CPUs, by metric label ({@link
   * SnatMetrics#INSERT_FAILED}, {@link SnatMetrics#DROP}). Read from the kernel on each call.
   */
  default Map<String, Long> conntrackFailures() {
    return Map.of();
  }

  /**
   * The heartbeat body for this node as the dataplane sees it now; {@code silentAfterMillis} as in
   * {@link io.egressgw.program.NodeReport}.
   */
  default io.egressgw.program.NodeReport report(
      String node, String agentId, long silentAfterMillis) {
    return new io.egressgw.program.NodeReport(
        node,
        agentId,
        nodeIP(),
        subnets(),
        appliedGeneration(),
        heldFloatingIPs(),
        counters(),
        guardDrops(),
        drops(),
        applyError(),
        floatingIpClaims(),
        silentAfterMillis,
        false,
        null,
        !uplinkUp());
  }

  /** The heartbeat body, with the lease alone as the silence bound (no channel). */
  default io.egressgw.program.NodeReport report(String node, String agentId) {
    return report(node, agentId, leaseMillis());
  }

  /** Attaches the classifier to pod interfaces that appeared since; returns how many. */
  int reconcileInterfaces();

  /** Releases process resources; the installed dataplane keeps forwarding. */
  @Override
  void close();
}

package io.egressgw.controller;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.egressgw.kube.ResourceCache;
import io.egressgw.placement.FloatingIpMove;
import io.egressgw.placement.HandOverGate;
import io.egressgw.placement.PlacementGroup;
import io.egressgw.placement.PlacementIndex;
import io.egressgw.placement.PlacementResult;
import io.egressgw.placement.PlacementSnapshot;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The first reconcile step (reconcile thread only): places the floating IPs of every
 * NetworkGatewayGroup ({@link #place}); after the caller has published the programs of that
 * placement, writes each group's status, and once those are written records the moves (metrics,
 * Events) and the new assignment ({@link #record}). It skips all of it when its inputs (the
 * placement snapshot and the groups' generations) equal those of the last written placement and no
 * failover is pending.
 *
 * <p>A new leader starts from the assignment and standbys recorded in the groups' status ({@link
 * #reset}).
 */
@ApplicationScoped
public class PlacementStage {
  private static final Logger LOG = Logger.getLogger(PlacementStage.class);

  @Inject KubernetesClient client;
  @Inject ResourceCache resources;
  @Inject ClusterCache cluster;
  @Inject ChannelState state;
  @Inject Leadership leadership;
  @Inject LivenessSweep liveness;
  @Inject ControllerMetrics metrics;
  @Inject FloatingIpEvents events;
  @Inject Clock clock;
  @Inject ChannelSettings channel;

  private StatusWriter<NetworkGatewayGroupStatus, NetworkGatewayGroup> statuses;
  private final Map<String, String> assignment = new LinkedHashMap<>();
  private final Map<String, String> standbys = new LinkedHashMap<>();
  private volatile Map<String, String> publishedAssignment = Map.of();
  private Object lastInputs; // inputs of the last placement whose status was written
  private PlacementResult lastPlacement;
  private Map<String, String> lastRefused = Map.of(); // refused IPs whose Event is written
  private HandOverGate gate;
  private final Set<FloatingIpMove> announced = new java.util.HashSet<>(); // published, not written

  /** While a hand-over waits for its standby, placement runs again this often. */
  static final Duration HAND_OVER_RECHECK = Duration.ofMillis(50);

  /**
   * What one placement step did.
   *
   * @param result the placement (the last written one when unchanged)
   * @param unchanged inputs equal to the last written placement: nothing computed or written
   * @param written group status is written (moves recorded); false: retry
   * @param recheckAt when to place again although nothing changed (a held hand-over), if ever
   * @param computed what {@link #record} needs to write this step's status (null: nothing to write)
   */
  record Step(
      PlacementResult result,
      boolean unchanged,
      boolean written,
      Optional<Instant> recheckAt,
      Computed computed) {
    Step(PlacementResult result, boolean unchanged, boolean written) {
      this(result, unchanged, written, Optional.empty(), null);
    }
  }

  /** The inputs and index of a computed placement, kept until its status is written. */
  record Computed(
      List<NetworkGatewayGroup> groups,
      PlacementSnapshot snapshot,
      PlacementIndex index,
      Map<String, String> refused,
      Set<String> frozen,
      Set<String> held,
      Map<String, Instant> handling,
      Object inputs) {}

  @PostConstruct
  void init() {
    statuses =
        new StatusWriter<>(
            NetworkGatewayGroup.class, GroupStatuses::same, client, leadership, clock);
    gate = new HandOverGate(channel.replication().handOverWait());
  }

  /** A new leadership: starts from the assignment recorded in status, nothing known written. */
  void reset() {
    assignment.clear();
    standbys.clear();
    statuses.clear();
    lastInputs = null;
    lastRefused = Map.of();
    announced.clear();
    gate.clear();
    state.replication().reset();
    for (NetworkGatewayGroup g : resources.gatewayGroups().list()) {
      if (g.getStatus() != null && g.getStatus().getFloatingIPs() != null) {
        assignment.putAll(g.getStatus().getFloatingIPs());
      }
      if (g.getStatus() != null && g.getStatus().getStandbys() != null) {
        standbys.putAll(g.getStatus().getStandbys());
      }
    }
    LOG.infof(
        "leading: starting from the recorded assignment %s, standbys %s, grace %s",
        assignment, standbys, state.liveness().window());
  }

  /** The next {@link #place} computes and compares everything again (periodic resync). */
  void forgetInputs() {
    lastInputs = null;
  }

  /**
   * Places the floating IPs, unless nothing changed; the caller publishes the result's programs,
   * then writes its status with {@link #record}.
   */
  Step place(Instant now) {
    List<NetworkGatewayGroup> groups = PlacementInputs.sorted(resources.gatewayGroups().list());
    Map<String, String> refused =
        PlacementInputs.refusedFloatingIPs(groups, cluster.nodes(), state.liveness());
    Set<String> frozen = liveness.heldByFreeze();
    Set<String> held = new java.util.TreeSet<>(frozen);
    held.addAll(liveness.heldForConfirmation());
    PlacementSnapshot snapshot =
        PlacementInputs.snapshot(
            groups, cluster.nodes(), state.liveness(), now, assignment, standbys, refused, held);
    Object inputs = List.of(snapshot, PlacementInputs.generations(groups), refused, held);
    Map<String, Instant> handling = liveness.pendingFailovers();
    if (inputs.equals(lastInputs) && handling.isEmpty() && !gate.holding()) {
      return new Step(lastPlacement, true, true);
    }
    long t0 = System.nanoTime();
    PlacementIndex index = PlacementIndex.of(snapshot);
    HandOverGate.Outcome gated =
        gate.apply(index.result(), standbys, this::replicated, this::replicates, now);
    PlacementResult result = gated.result();
    metrics.placed(Duration.ofNanos(System.nanoTime() - t0));
    Optional<Instant> recheckAt = gated.deadline().map(d -> min(d, now.plus(HAND_OVER_RECHECK)));
    if (!gated.held().isEmpty()) {
      LOG.debugf("hand-overs waiting for their standby's replicated state: %s", gated.held());
    }
    for (FloatingIpMove late : gated.late()) {
      metrics.handOverUnconfirmed();
      LOG.warnf(
          "%s: hand-over of %s from %s to %s without the standby's replicated state (waited %s)",
          late.cause(),
          late.ip(),
          late.fromNode(),
          late.toNode(),
          channel.replication().handOverWait());
    }

    return new Step(
        result,
        false,
        false,
        recheckAt,
        new Computed(groups, snapshot, index, refused, frozen, held, handling, inputs));
  }

  /**
   * Writes the group status of a {@link #place}d step and, once every group's status is written,
   * records its moves (metrics, Events, the assignment the next placement starts from). Called
   * after the step's programs are published: the agents act on a failover without waiting for the
   * API server, and a leader that dies before the write leaves the old status, from which its
   * successor places again (one owner still: the new holder's announcement makes any other node
   * that got the IP yield). Returns {@code step} with {@code written} set; false: retry.
   */
  Step record(Step step, Instant now) {
    Computed c = step.computed();
    if (c == null) {
      return step;
    }
    PlacementResult result = step.result();
    boolean ok = true;
    Map<String, PlacementGroup> byKey = new HashMap<>();
    c.snapshot().groups().forEach(g -> byKey.put(g.key(), g));
    Map<String, NetworkGatewayGroup> groupOfIp = new HashMap<>();
    Map<String, NetworkGatewayGroup> groupOfRefused = new LinkedHashMap<>();
    Map<String, String> gatewayNodes = new HashMap<>();
    int unassigned = 0;
    for (NetworkGatewayGroup g : c.groups()) {
      PlacementGroup pg = byKey.get(PlacementInputs.key(g));
      pg.floatingIPs().forEach(ip -> groupOfIp.put(ip, g));
      Map<String, String> refusedOfGroup = new LinkedHashMap<>();
      for (String ip : PlacementInputs.floatingIPs(g)) {
        if (c.refused().containsKey(ip)) {
          refusedOfGroup.put(ip, c.refused().get(ip));
          groupOfRefused.putIfAbsent(ip, g);
        }
      }
      Map<String, String> nodes = c.index().nodeStatus(pg.key());
      // Held nodes are placed as Up but are Down: say so.
      nodes.replaceAll((n, v) -> c.held().contains(n) ? NetworkGatewayGroupStatus.NODE_DOWN : v);
      gatewayNodes.putAll(nodes);
      Map<String, String> unassignedOfGroup = result.unassignedOf(pg);
      unassigned += unassignedOfGroup.size() + refusedOfGroup.size();
      NetworkGatewayGroupStatus desired =
          GroupStatuses.status(
              g.getMetadata().getGeneration(),
              result.floatingIPsOf(pg),
              result.standbysOf(pg),
              unassignedOfGroup,
              refusedOfGroup,
              nodes,
              PlacementInputs.waitingForReport(g, c.snapshot()),
              c.frozen(),
              now,
              g.getStatus());
      ok &= statuses.write(g, desired);
    }
    metrics.placementState(unassigned, gatewayNodes);
    if (!ok) {
      return step;
    }
    recordMoves(result, groupOfIp, now);
    announced.clear();
    recordRefusals(c.refused(), groupOfRefused, now);
    // The Down nodes seen by this placement have their IPs written elsewhere: failover done.
    liveness.failoversHandled(c.handling());
    // Placement and group status are done: a pod or policy event alone skips them next time.
    lastInputs = c.inputs();
    lastPlacement = result;
    return new Step(result, false, true, step.recheckAt(), null);
  }

  /**
   * Records that the programs of a {@link #place}d step were handed to the rollout: for a failover,
   * the time from the old holder's last heartbeat (egressgw_failover_published_seconds), and a log
   * line per move, so that an SRE can read a failover's timing from the log alone.
   */
  void published(Step step) {
    if (step.computed() == null) {
      return;
    }
    Instant at = clock.instant();
    for (FloatingIpMove move : step.result().moves()) {
      if (!announced.add(move)) {
        continue; // published before, its status write is being retried
      }
      Instant lastBeat =
          move.fromNode() == null ? null : liveness.pendingFailoverOf(move.fromNode());
      if (lastBeat != null && move.toNode() != null) {
        Duration since = Duration.between(lastBeat, at);
        metrics.published(since);
        LOG.infof(
            "failover of %s from %s to %s published %d ms after its last heartbeat",
            move.ip(), move.fromNode(), move.toNode(), since.toMillis());
      }
    }
  }

  /** The standby holds ip's replicated state: the relay delivered it and the standby says so. */
  private boolean replicated(String ip, String standby) {
    return state.replication().delivered(ip, standby)
        && state
            .liveness()
            .report(standby)
            .map(r -> r.replicaReady() != null && r.replicaReady().contains(ip))
            .orElse(false);
  }

  /** The node's agent replicates conntrack state (its report says which IPs it is ready for). */
  private boolean replicates(String node) {
    return state.liveness().report(node).map(r -> r.replicaReady() != null).orElse(false);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private void recordMoves(
      PlacementResult result, Map<String, NetworkGatewayGroup> groupOfIp, Instant now) {
    Instant written = clock.instant();
    assignment.clear();
    assignment.putAll(result.assignment());
    standbys.clear();
    standbys.putAll(result.standbys());
    publishedAssignment = Map.copyOf(result.assignment());
    state.replication().placed(result.assignment(), result.standbys());
    for (FloatingIpMove move : result.moves()) {
      String kind =
          move.toNode() == null ? "unassigned" : move.fromNode() == null ? "assigned" : "failover";
      metrics.moved(kind);
      String from = move.fromNode();
      Instant lastBeat = from == null ? null : liveness.pendingFailoverOf(from);
      if (lastBeat != null) {
        metrics.reassigned(Duration.between(lastBeat, written));
      }
      NetworkGatewayGroup g = groupOfIp.get(move.ip());
      if (g != null) {
        events.moved(g, move, now);
      }
    }
  }

  /** An Event for each floating IP refused since the last written placement. */
  private void recordRefusals(
      Map<String, String> refused, Map<String, NetworkGatewayGroup> groupOf, Instant now) {
    refused.forEach(
        (ip, why) -> {
          if (!why.equals(lastRefused.get(ip)) && groupOf.containsKey(ip)) {
            LOG.warnf(
                "floating IP %s of %s is not placed: %s",
                ip, PlacementInputs.key(groupOf.get(ip)), why);
            events.refused(groupOf.get(ip), ip, why, now);
          }
        });
    lastRefused = Map.copyOf(refused);
  }

  /** The current assignment (ip -> node) as last written; for tests and the benchmark. */
  Map<String, String> assignment() {
    return publishedAssignment;
  }
}

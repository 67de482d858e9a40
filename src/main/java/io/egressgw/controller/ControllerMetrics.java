package io.egressgw.controller;

import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The controller's Micrometer meters (Prometheus at /q/metrics):
 *
 * <ul>
 *   <li>{@code egressgw_floating_ip_moves_total{kind}}: moves written to status; kind is failover
 *       (the holder went Down), assigned (an unassigned IP got a node) or unassigned (no node
 *       left).
 *   <li>{@code egressgw_failover_detection_seconds}: last heartbeat of an agent -> declared Down.
 *   <li>{@code egressgw_failover_reassignment_seconds}: last heartbeat of an agent -> the new
 *       assignment of its IPs written to status.
 *   <li>{@code egressgw_failover_published_seconds}: last heartbeat of an agent -> the programs
 *       that move its IPs handed to the rollout (before the status write).
 *   <li>{@code egressgw_placement_duration_seconds}: one placement computation.
 *   <li>{@code egressgw_compile_duration_seconds}: one policy compile of every node's program.
 *   <li>{@code egressgw_program_rollout_seconds}: a node's program changed -> its agent
 *       acknowledged it ({@link ProgramDistributor#onRolledOut}).
 *   <li>{@code egressgw_guard_drops}: start-up guard drops the agents last reported.
 *   <li>{@code egressgw_floating_ips_unassigned}: floating IPs of all groups with no holder.
 *   <li>{@code egressgw_nodes{state="Up"|"Down"}}: the gateway nodes of all groups (a node a
 *       group's selector picks, as in its status.nodes) by liveness.
 *   <li>{@code egressgw_policies{condition="Accepted"|"Programmed",status}}: policies by the status
 *       of each condition as last computed (Unknown: not compiled yet).
 *   <li>{@code egressgw_leader}: 1 on the replica that leads, 0 elsewhere.
 * </ul>
 *
 * <p>Timers publish histogram buckets, never client-side quantiles: buckets add up across replicas
 * (histogram_quantile over a sum), quantiles do not. Only the leader places and compiles, so the
 * state gauges read 0 on the other replicas: sum them across replicas, or select the leader with
 * {@code egressgw_leader == 1}.
 *
 * <p>Micrometer holds a gauge's state object weakly; every gauge here reads state that this bean
 * owns and registers it with a strong reference, so a gauge never turns into NaN after a garbage
 * collection. The meters live as long as the bean: {@link #close()} removes them when it is
 * destroyed.
 */
@ApplicationScoped
public class ControllerMetrics {
  static final String UP = NetworkGatewayGroupStatus.NODE_UP;
  static final String DOWN = NetworkGatewayGroupStatus.NODE_DOWN;
  static final List<String> CONDITIONS =
      List.of(PolicyStatuses.ACCEPTED, PolicyStatuses.PROGRAMMED);
  static final List<String> STATUSES = List.of("True", "False", "Unknown");

  private final MeterRegistry registry;
  private final Timer detection;
  private final Timer reassignment;
  private final Timer published;
  private final Timer placement;
  private final Timer compile;
  private final Timer rollout;

  private volatile LongSupplier guardDrops = () -> 0;
  private volatile boolean leading;
  private final AtomicLong leader = new AtomicLong();
  private final AtomicLong unassigned = new AtomicLong();
  private final AtomicLong frozen = new AtomicLong();
  private final Counter conflicts;
  private final Counter lateHandOvers;
  private final Counter stalls;
  private final Counter nodeIpRefusals;
  private final Map<String, AtomicLong> nodes = new LinkedHashMap<>();
  private final Map<String, AtomicLong> policies = new LinkedHashMap<>(); // "condition/status"

  /** Every meter this bean registered, removed again by {@link #close()}. */
  private final List<Meter> meters = new CopyOnWriteArrayList<>();

  private final Map<String, Counter> moves = new ConcurrentHashMap<>();

  @Inject
  public ControllerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.detection =
        timer(
            "egressgw.failover.detection", "Last heartbeat of an agent to its node declared Down");
    this.reassignment =
        timer(
            "egressgw.failover.reassignment",
            "Last heartbeat of an agent to the new assignment of its floating IPs written to"
                + " status");
    this.published =
        timer(
            "egressgw.failover.published",
            "Last heartbeat of an agent to the programs that move its floating IPs handed to the"
                + " rollout");
    this.placement = timer("egressgw.placement.duration", "One floating IP placement computation");
    this.compile = timer("egressgw.compile.duration", "One policy compile (all nodes)");
    this.rollout =
        timer(
            "egressgw.program.rollout",
            "A node's program changed to its agent acknowledging it (the earliest unacknowledged"
                + " change counts; leader only)");
    owned(
        Gauge.builder("egressgw.guard.drops", this, m -> m.guardDrops.getAsLong())
            .description(
                "Packets dropped by the start-up guard on all nodes, as last reported by their"
                    + " agents")
            .strongReference(true)
            .register(registry));
    gauge("egressgw.leader", leader, "1 on the replica that leads, 0 elsewhere");
    gauge(
        "egressgw.failover.frozen",
        frozen,
        "1 while the mass-failure guard holds floating IPs on Down nodes (leader only)");
    this.lateHandOvers =
        owned(
            Counter.builder("egressgw.handover.unconfirmed")
                .description(
                    "Planned hand-overs that moved a floating IP without its standby confirming"
                        + " the replicated conntrack state in time")
                .register(registry));
    this.conflicts =
        owned(
            Counter.builder("egressgw.floating.ip.conflicts")
                .description("Floating IPs a node yielded because another host announced them")
                .register(registry));
    this.nodeIpRefusals =
        owned(
            Counter.builder("egressgw.node.ip.refused")
                .description(
                    "Agent reports whose node IP differed from the Node's InternalIP (each new"
                        + " address refused counts once); the InternalIP was used")
                .register(registry));
    this.stalls =
        owned(
            Counter.builder("egressgw.controller.stalls")
                .description(
                    "Liveness sweeps that ran late because the controller stalled; each gave the"
                        + " Up nodes a new window")
                .register(registry));
    gauge(
        "egressgw.floating.ips.unassigned",
        unassigned,
        "Floating IPs of all groups that no node holds (leader only)");
    for (String state : List.of(UP, DOWN)) {
      AtomicLong count = new AtomicLong();
      nodes.put(state, count);
      owned(
          Gauge.builder("egressgw.nodes", count, AtomicLong::get)
              .description("Gateway nodes of all groups by liveness (leader only)")
              .tag("state", state)
              .strongReference(true)
              .register(registry));
    }
    for (String condition : CONDITIONS) {
      for (String status : STATUSES) {
        AtomicLong count = new AtomicLong();
        policies.put(condition + "/" + status, count);
        owned(
            Gauge.builder("egressgw.policies", count, AtomicLong::get)
                .description("EgressNATPolicies by the status of a condition (leader only)")
                .tag("condition", condition)
                .tag("status", status)
                .strongReference(true)
                .register(registry));
      }
    }
  }

  private Timer timer(String name, String description) {
    return owned(
        Timer.builder(name)
            .description(description)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry));
  }

  private void gauge(String name, AtomicLong value, String description) {
    owned(
        Gauge.builder(name, value, AtomicLong::get)
            .description(description)
            .strongReference(true)
            .register(registry));
  }

  private <M extends Meter> M owned(M meter) {
    meters.add(meter);
    return meter;
  }

  /**
   * Removes every meter this bean registered. Quarkus' MeterRegistry is Micrometer's static global
   * composite, which outlives the application in tests (each @QuarkusTest restart) and would
   * otherwise keep exporting this bean's gauges, reading a stopped application's state (NaN, or
   * frozen numbers), because registering a meter whose name and tags exist returns the old one.
   */
  @PreDestroy
  void close() {
    meters.forEach(registry::remove);
    meters.clear();
    moves.clear();
  }

  /** Where the total start-up guard drops come from (leader only; 0 elsewhere). */
  public void guardDrops(LongSupplier total) {
    this.guardDrops = total;
  }

  /**
   * This replica started or stopped leading. A follower knows no placement or policy status, so its
   * state gauges read 0, and later updates are ignored until it leads again.
   */
  void leading(boolean leads) {
    leading = leads;
    leader.set(leads ? 1 : 0);
    if (!leads) {
      unassigned.set(0);
      nodes.values().forEach(c -> c.set(0));
      policies.values().forEach(c -> c.set(0));
    }
  }

  /**
   * The state of the last placement: {@code unassignedIps} floating IPs without a holder and the
   * liveness of every gateway node (node -> Up or Down, over all groups).
   */
  void placementState(int unassignedIps, Map<String, String> nodeStates) {
    if (!leading) {
      return;
    }
    unassigned.set(unassignedIps);
    Map<String, Long> byState = countValues(nodeStates.values());
    nodes.forEach((state, count) -> count.set(byState.getOrDefault(state, 0L)));
  }

  /** Policy status as last computed, one entry per policy (null: not compiled yet). */
  void policyStates(Collection<EgressNATPolicyStatus> statuses) {
    if (!leading) {
      return;
    }
    Map<String, Long> counted = conditionCounts(statuses);
    policies.forEach((key, count) -> count.set(counted.getOrDefault(key, 0L)));
  }

  /**
   * Counts policies per "condition/status" for Accepted and Programmed (pure): a missing status or
   * condition, or a status other than True or False, counts as Unknown.
   */
  static Map<String, Long> conditionCounts(Collection<EgressNATPolicyStatus> statuses) {
    Map<String, Long> out = new HashMap<>();
    for (EgressNATPolicyStatus s : statuses) {
      List<Condition> conditions =
          s == null || s.getConditions() == null ? List.of() : s.getConditions();
      for (String type : CONDITIONS) {
        String status =
            conditions.stream()
                .filter(c -> type.equals(c.getType()))
                .map(Condition::getStatus)
                .filter(v -> "True".equals(v) || "False".equals(v))
                .findFirst()
                .orElse("Unknown");
        out.merge(type + "/" + status, 1L, Long::sum);
      }
    }
    return out;
  }

  private static Map<String, Long> countValues(Collection<String> values) {
    Map<String, Long> out = new HashMap<>();
    values.forEach(v -> out.merge(v, 1L, Long::sum));
    return out;
  }

  public void moved(String kind) {
    moves
        .computeIfAbsent(
            kind,
            k ->
                owned(
                    Counter.builder("egressgw.floating.ip.moves")
                        .description("Floating IP moves written to status")
                        .tag("kind", k)
                        .register(registry)))
        .increment();
  }

  /** A planned hand-over moved an IP before its standby confirmed the replicated state. */
  public void handOverUnconfirmed() {
    lateHandOvers.increment();
  }

  /** A node yielded a floating IP because another host announced it. */
  public void conflict() {
    conflicts.increment();
  }

  /** An agent reported a node IP that is not its Node's InternalIP. */
  public void nodeIpRefused() {
    nodeIpRefusals.increment();
  }

  /** The liveness sweep found that the controller had stalled. */
  public void stalled() {
    stalls.increment();
  }

  /** Whether the mass-failure guard holds floating IPs on Down nodes. */
  public void failoverFrozen(boolean on) {
    frozen.set(on ? 1 : 0);
  }

  public void detected(Duration sinceLastHeartbeat) {
    detection.record(sinceLastHeartbeat);
  }

  public void reassigned(Duration sinceLastHeartbeat) {
    reassignment.record(sinceLastHeartbeat);
  }

  public void published(Duration sinceLastHeartbeat) {
    published.record(sinceLastHeartbeat);
  }

  public void placed(Duration took) {
    placement.record(took);
  }

  public void compiled(Duration took) {
    compile.record(took);
  }

  public void rolledOut(Duration took) {
    rollout.record(took);
  }

  public Timer rolloutTimer() {
    return rollout;
  }

  public Timer placementTimer() {
    return placement;
  }

  public Timer detectionTimer() {
    return detection;
  }

  public Timer publishedTimer() {
    return published;
  }

  public Timer reassignmentTimer() {
    return reassignment;
  }

  public double moves(String kind) {
    Counter c = moves.get(kind);
    return c == null ? 0 : c.count();
  }
}

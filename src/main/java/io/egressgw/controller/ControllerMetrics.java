package io.egressgw.controller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

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
 *   <li>{@code egressgw_placement_duration_seconds}: one placement computation.
 *   <li>{@code egressgw_compile_duration_seconds}: one policy compile of every node's program.
 * </ul>
 */
@ApplicationScoped
public class ControllerMetrics {
  private final MeterRegistry registry;
  private final Timer detection;
  private final Timer reassignment;
  private final Timer placement;
  private final Timer compile;

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
    this.placement = timer("egressgw.placement.duration", "One floating IP placement computation");
    this.compile = timer("egressgw.compile.duration", "One policy compile (all nodes)");
  }

  private Timer timer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentiles(0.5, 0.9, 0.99)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  /** Total start-up guard drops the agents last reported (leader only; 0 elsewhere). */
  public void guardDrops(java.util.function.LongSupplier total) {
    io.micrometer.core.instrument.Gauge.builder("egressgw.guard.drops", total, t -> t.getAsLong())
        .description(
            "Packets dropped by the start-up guard on all nodes, as last reported by their agents")
        .register(registry);
  }

  public void moved(String kind) {
    Counter.builder("egressgw.floating.ip.moves")
        .description("Floating IP moves written to status")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  /** A node yielded a floating IP because another host announced it. */
  public void conflict() {
    Counter.builder("egressgw.floating.ip.conflicts")
        .description("Floating IPs a node yielded because another host announced them")
        .register(registry)
        .increment();
  }

  public void detected(Duration sinceLastHeartbeat) {
    detection.record(sinceLastHeartbeat);
  }

  public void reassigned(Duration sinceLastHeartbeat) {
    reassignment.record(sinceLastHeartbeat);
  }

  public void placed(Duration took) {
    placement.record(took);
  }

  public void compiled(Duration took) {
    compile.record(took);
  }

  public Timer placementTimer() {
    return placement;
  }

  public Timer detectionTimer() {
    return detection;
  }

  public Timer reassignmentTimer() {
    return reassignment;
  }

  public double moves(String kind) {
    Counter c = registry.find("egressgw.floating.ip.moves").tag("kind", kind).counter();
    return c == null ? 0 : c.count();
  }
}

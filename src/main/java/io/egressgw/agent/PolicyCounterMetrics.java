package io.egressgw.agent;

import io.egressgw.program.NodeReport.PolicyCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Publishes the dataplane's per-policy packet and byte counters (read from the BPF counter map) as
 * Prometheus counters {@code egressgw_agent_policy_packets_total{policy=...}} and {@code
 * egressgw_agent_policy_bytes_total{policy=...}}. The maps are read once per {@link #refresh()},
 * not once per meter per scrape; a policy seen once keeps its meters.
 */
public final class PolicyCounterMetrics {
  private static final PolicyCounters ZERO = new PolicyCounters(0, 0);

  private final MeterRegistry registry;
  private final Supplier<Map<String, PolicyCounters>> source;
  private final AtomicReference<Map<String, PolicyCounters>> last = new AtomicReference<>(Map.of());
  private final Set<String> registered = new HashSet<>();

  public PolicyCounterMetrics(
      MeterRegistry registry, Supplier<Map<String, PolicyCounters>> source) {
    this.registry = registry;
    this.source = source;
  }

  /** Reads the counters once and registers meters for policies not seen before. */
  public synchronized void refresh() {
    Map<String, PolicyCounters> now = Map.copyOf(source.get());
    last.set(now);
    for (String policy : now.keySet()) {
      if (registered.add(policy)) {
        FunctionCounter.builder(
                "egressgw.agent.policy.packets",
                last,
                l -> l.get().getOrDefault(policy, ZERO).packets())
            .description("Packets of this policy steered or SNATed by this node")
            .tag("policy", policy)
            .register(registry);
        FunctionCounter.builder(
                "egressgw.agent.policy.bytes",
                last,
                l -> l.get().getOrDefault(policy, ZERO).bytes())
            .description("Bytes of this policy steered or SNATed by this node")
            .baseUnit("bytes")
            .tag("policy", policy)
            .register(registry);
      }
    }
  }

  /** Gauges of the node's applied program generation and the floating IPs it holds. */
  public static void registerNodeGauges(MeterRegistry registry, NodeDataplane dataplane) {
    Gauge.builder("egressgw.agent.applied.generation", dataplane, NodeDataplane::appliedGeneration)
        .description("Generation of the last program this node applied")
        .register(registry);
    Gauge.builder("egressgw.agent.floating.ips.held", dataplane, d -> d.heldFloatingIPs().size())
        .description("Floating IPs configured on this node")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "egressgw.agent.guard.drops", dataplane, NodeDataplane::guardDrops)
        .description(
            "Packets the start-up guard dropped: a pod this node's program did not list yet,"
                + " sending to a guarded destination")
        .register(registry);
    FunctionCounter.builder("egressgw.agent.lease.lapses", dataplane, NodeDataplane::leaseLapses)
        .description(
            "Times a floating IP's lease lapsed because the agent renewed it too late (a stall):"
                + " the node fell silent for it until confirmed or taken again")
        .register(registry);
    for (String reason : io.egressgw.dataplane.MapLayouts.DROP_REASON_NAMES) {
      FunctionCounter.builder(
              "egressgw.agent.drops", dataplane, d -> d.drops().getOrDefault(reason, 0L))
          .description(
              "Packets the dataplane dropped, by reason: guard (pod not programmed yet),"
                  + " no_egress (no node holds the egress IP), no_neighbour (gateway MAC unknown),"
                  + " not_on_link (gateway not on the uplink's link)")
          .tag("reason", reason)
          .register(registry);
    }
  }
}

package io.egressgw.agent;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * SNAT pressure on this node, from conntrack: {@code egressgw_agent_snat_connections{floating_ip}}
 * (entries whose reply goes to a floating IP this node holds: the connections SNATed to it, each
 * holding one source port towards its destination address and port) and {@code
 * egressgw_agent_snat_allocation_failures_total{reason}} (conntrack's insert_failed and drop,
 * summed over CPUs: a new connection that found no free tuple, or no room in the table). The
 * conntrack table is dumped once per {@link #refresh()}, never per scrape; a floating IP the node
 * no longer holds loses its gauge.
 */
public final class SnatMetrics {
  /** The two conntrack failure counters exported, by metric label. */
  public static final String INSERT_FAILED = "insert_failed";

  public static final String DROP = "drop";

  private final MeterRegistry registry;
  private final Supplier<Map<String, Long>> connections;
  private final Supplier<Map<String, Long>> failures;
  private final AtomicReference<Map<String, Long>> lastConnections =
      new AtomicReference<>(Map.of());
  private final AtomicReference<Map<String, Long>> lastFailures = new AtomicReference<>(Map.of());
  private final Map<String, Meter> gauges = new HashMap<>();

  /**
   * @param connections conntrack entries per held floating IP (every held IP, 0 included)
   * @param failures conntrack's failure counters by label ({@link #INSERT_FAILED}, {@link #DROP})
   */
  public SnatMetrics(
      MeterRegistry registry,
      Supplier<Map<String, Long>> connections,
      Supplier<Map<String, Long>> failures) {
    this.registry = registry;
    this.connections = connections;
    this.failures = failures;
    for (String reason : new String[] {INSERT_FAILED, DROP}) {
      FunctionCounter.builder(
              "egressgw.agent.snat.allocation.failures",
              lastFailures,
              l -> l.get().getOrDefault(reason, 0L))
          .description(
              "New connections conntrack could not create (insert_failed: no free tuple, e.g. no"
                  + " source port left for SNAT; drop: table full), summed over CPUs")
          .tag("reason", reason)
          .register(registry);
    }
  }

  /**
   * Reads conntrack once; registers gauges for new floating IPs, removes those of released ones.
   */
  public synchronized void refresh() {
    Map<String, Long> now = Map.copyOf(connections.get());
    lastConnections.set(now);
    lastFailures.set(Map.copyOf(failures.get()));
    gauges.entrySet().removeIf(g -> !now.containsKey(g.getKey()) && remove(g.getValue()));
    for (String ip : now.keySet()) {
      gauges.computeIfAbsent(
          ip,
          k ->
              Gauge.builder(
                      "egressgw.agent.snat.connections",
                      lastConnections,
                      l -> l.get().getOrDefault(k, 0L))
                  .description(
                      "Conntrack entries SNATed to this floating IP (their reply goes to it)")
                  .tag("floating_ip", k)
                  .register(registry));
    }
  }

  private boolean remove(Meter meter) {
    registry.remove(meter);
    return true;
  }
}

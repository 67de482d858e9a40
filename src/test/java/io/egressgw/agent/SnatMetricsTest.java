package io.egressgw.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * SNAT pressure: a gauge per held floating IP and conntrack's failure counters, read per refresh.
 */
class SnatMetricsTest {
  @Test
  void eachHeldFloatingIpHasAGaugeOfItsConnections() {
    Map<String, Long> held = new HashMap<>(Map.of("10.77.0.100", 12L, "10.77.0.101", 0L));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SnatMetrics metrics = new SnatMetrics(registry, () -> held, Map::of);

    metrics.refresh();
    held.put("10.77.0.100", 30L);
    metrics.refresh();

    assertThat(gauge(registry, "10.77.0.100")).isEqualTo(30);
    assertThat(gauge(registry, "10.77.0.101")).isEqualTo(0);
  }

  @Test
  void aReleasedFloatingIpLosesItsGauge() {
    Map<String, Long> held = new HashMap<>(Map.of("10.77.0.100", 5L, "10.77.0.101", 1L));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SnatMetrics metrics = new SnatMetrics(registry, () -> held, Map::of);
    metrics.refresh();

    held.remove("10.77.0.101");
    metrics.refresh();

    assertThat(registry.find("egressgw.agent.snat.connections").gauges())
        .extracting(g -> g.getId().getTag("floating_ip"))
        .containsExactly("10.77.0.100");
  }

  @Test
  void conntrackFailuresAreCountersByReasonReadOncePerRefresh() {
    AtomicInteger reads = new AtomicInteger();
    Map<String, Long> failures =
        new HashMap<>(Map.of(SnatMetrics.INSERT_FAILED, 4L, SnatMetrics.DROP, 1L));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SnatMetrics metrics =
        new SnatMetrics(
            registry,
            Map::of,
            () -> {
              reads.incrementAndGet();
              return failures;
            });

    assertThat(counter(registry, "insert_failed")).as("before the first read").isEqualTo(0);
    metrics.refresh();
    failures.put(SnatMetrics.INSERT_FAILED, 9L);
    metrics.refresh();

    assertThat(counter(registry, "insert_failed")).isEqualTo(9);
    assertThat(counter(registry, "drop")).isEqualTo(1);
    registry.getMeters().forEach(m -> m.measure().forEach(x -> {}));
    assertThat(reads.get()).as("conntrack read once per refresh, not per scrape").isEqualTo(2);
  }

  static double gauge(SimpleMeterRegistry registry, String ip) {
    return registry.get("egressgw.agent.snat.connections").tag("floating_ip", ip).gauge().value();
  }

  static double counter(SimpleMeterRegistry registry, String reason) {
    return registry
        .get("egressgw.agent.snat.allocation.failures")
        .tag("reason", reason)
        .functionCounter()
        .count();
  }
}

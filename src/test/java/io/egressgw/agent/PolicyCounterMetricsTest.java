package io.egressgw.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.program.NodeReport.PolicyCounters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The dataplane's per-policy counters become Prometheus counters, read once per refresh. */
class PolicyCounterMetricsTest {
  @Test
  void countersFollowTheDataplaneAndNewPoliciesGetMeters() {
    Map<String, PolicyCounters> maps =
        new HashMap<>(Map.of("egress", new PolicyCounters(10, 1500)));
    AtomicInteger reads = new AtomicInteger();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PolicyCounterMetrics metrics =
        new PolicyCounterMetrics(
            registry,
            () -> {
              reads.incrementAndGet();
              return maps;
            });

    metrics.refresh();
    maps.put("egress", new PolicyCounters(25, 4000));
    maps.put("egress2", new PolicyCounters(1, 60));
    metrics.refresh();

    assertThat(
            registry
                .get("egressgw.agent.policy.packets")
                .tag("policy", "egress")
                .functionCounter()
                .count())
        .isEqualTo(25);
    assertThat(
            registry
                .get("egressgw.agent.policy.bytes")
                .tag("policy", "egress")
                .functionCounter()
                .count())
        .isEqualTo(4000);
    assertThat(
            registry
                .get("egressgw.agent.policy.packets")
                .tag("policy", "egress2")
                .functionCounter()
                .count())
        .isEqualTo(1);
    registry.getMeters().forEach(m -> m.measure().forEach(x -> {}));
    assertThat(reads.get()).as("maps read once per refresh, not per meter or scrape").isEqualTo(2);
  }

  @Test
  void nodeGaugesReadTheDataplaneIncludingGuardDrops() {
    java.util.concurrent.atomic.AtomicLong drops = new java.util.concurrent.atomic.AtomicLong(3);
    // A dataplane stand-in answering only what the node meters read.
    NodeDataplane dp =
        (NodeDataplane)
            java.lang.reflect.Proxy.newProxyInstance(
                NodeDataplane.class.getClassLoader(),
                new Class<?>[] {NodeDataplane.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "guardDrops" -> drops.get();
                      case "appliedGeneration" -> 42L;
                      case "heldFloatingIPs" -> java.util.List.of("192.168.1.100");
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    PolicyCounterMetrics.registerNodeGauges(registry, dp);
    drops.set(7);

    assertThat(registry.get("egressgw.agent.guard.drops").functionCounter().count()).isEqualTo(7);
    assertThat(registry.get("egressgw.agent.applied.generation").gauge().value()).isEqualTo(42);
    assertThat(registry.get("egressgw.agent.floating.ips.held").gauge().value()).isEqualTo(1);
  }
}

package io.egressgw.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The agent's Prometheus metrics (/q/metrics on the agent's own endpoint); nothing in role controller. */
@ApplicationScoped
public class AgentMetrics {
  @Inject MeterRegistry registry;
  @Inject Instance<NodeDataplane> dataplane;

  @ConfigProperty(name = "egressgw.role", defaultValue = "controller")
  String role;

  private volatile PolicyCounterMetrics counters;

  void onStart(@Observes StartupEvent event) {
    if (!"agent".equals(role) || !dataplane.isResolvable()) {
      return;
    }
    NodeDataplane node = dataplane.get();
    PolicyCounterMetrics.registerNodeGauges(registry, node);
    counters = new PolicyCounterMetrics(registry, node::counters);
    counters.refresh();
  }

  @Scheduled(every = "${egressgw.agent.metrics.refresh-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    PolicyCounterMetrics c = counters;
    if (c != null) {
      c.refresh();
    }
  }
}

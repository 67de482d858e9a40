package io.egressgw.agent;

import io.egressgw.agent.channel.AgentChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * The agent's Prometheus metrics (/q/metrics on the agent's own endpoint). They start once the
 * agent's channel runs (role agent), so that nothing here opens the dataplane on its own: in role
 * controller, or with the channel switched off, there are none.
 */
@ApplicationScoped
public class AgentMetrics {
  @Inject MeterRegistry registry;
  @Inject Instance<NodeDataplane> dataplane;
  @Inject AgentChannel channel;

  private volatile PolicyCounterMetrics counters;

  @Scheduled(every = "${egressgw.agent.metrics.refresh-interval:5s}", delay = 1,
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    PolicyCounterMetrics c = counters;
    if (c == null) {
      if (channel.client() == null || !dataplane.isResolvable()) {
        return;
      }
      NodeDataplane node = dataplane.get();
      PolicyCounterMetrics.registerNodeGauges(registry, node);
      c = counters = new PolicyCounterMetrics(registry, node::counters);
    }
    c.refresh();
  }
}

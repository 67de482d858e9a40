package io.egressgw.agent;

import io.egressgw.dataplane.DataplaneException;
import io.egressgw.role.ProcessRole;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The agent's Prometheus metrics (/q/metrics on the agent's own endpoint). Active exactly when the
 * agent runs its channel (role agent, channel enabled), i.e. when the dataplane is in use anyway;
 * in role controller, or with the channel switched off (tests), there are none.
 */
@ApplicationScoped
public class AgentMetrics {
  @Inject MeterRegistry registry;
  @Inject Instance<NodeDataplane> dataplane;

  @Inject ProcessRole role;

  @ConfigProperty(name = "egressgw.agent.channel.enabled", defaultValue = "true")
  boolean channelEnabled;

  private static final Logger LOG = Logger.getLogger(AgentMetrics.class);

  private volatile PolicyCounterMetrics counters;
  private volatile SnatMetrics snat;

  void onStart(@Observes StartupEvent event) {
    if (!role.isAgent() || !channelEnabled || !dataplane.isResolvable()) {
      return;
    }
    NodeDataplane node = dataplane.get();
    PolicyCounterMetrics.registerNodeGauges(registry, node);
    counters = new PolicyCounterMetrics(registry, node::counters);
    counters.refresh();
    snat = new SnatMetrics(registry, node::snatConnections, node::conntrackFailures);
    refreshSnat(snat);
  }

  @Scheduled(
      every = "${egressgw.agent.metrics.refresh-interval:5s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    PolicyCounterMetrics c = counters;
    if (c != null) {
      c.refresh();
    }
    SnatMetrics s = snat;
    if (s != null) {
      refreshSnat(s);
    }
  }

  /** A conntrack that cannot be read (no nf_conntrack_netlink) costs the SNAT metrics only. */
  private static void refreshSnat(SnatMetrics s) {
    try {
      s.refresh();
    } catch (DataplaneException e) {
      LOG.warn("SNAT metrics not refreshed: " + e.getMessage());
    }
  }
}

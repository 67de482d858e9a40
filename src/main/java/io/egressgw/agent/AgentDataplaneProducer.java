package io.egressgw.agent;

import io.egressgw.dataplane.DataplaneObject;
import io.egressgw.role.ProcessRole;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Agent role wiring: provides the {@link NodeDataplane} (only resolvable when egressgw.role=agent)
 * for the agent channel to apply programs and fill heartbeats, attaches the classifier to a new pod
 * interface on its link event ({@link InterfaceWatcher}) and, as a backstop, checks every interface
 * and the uplink's hooks every second. The controller role never opens the dataplane.
 */
@ApplicationScoped
public class AgentDataplaneProducer {

  @Inject ProcessRole role;

  @Inject Instance<NodeDataplane> dataplane;

  private volatile InterfaceWatcher watcher;

  @Produces
  @Singleton
  @LookupIfProperty(name = ProcessRole.PROPERTY, stringValue = ProcessRole.AGENT)
  NodeDataplane nodeDataplane(AgentDataplaneSettings config) {
    EbpfNodeDataplane node =
        EbpfNodeDataplane.open(
            new DataplaneSetup(
                config.uplink(),
                config.pinDir(),
                config.nodeIp().orElse(null),
                config.podInterfacePrefix().orElse(""),
                new DataplaneObject.Capacities(
                    config.sourcesMax(),
                    config.routesMax(),
                    config.egressesMax(),
                    config.guardMax(),
                    config.excludedMax()),
                config.leaseDuration(),
                config.snatPortAllocation()));
    watcher = InterfaceWatcher.start(node);
    return node;
  }

  void close(@Disposes NodeDataplane dataplane) {
    InterfaceWatcher w = watcher;
    if (w != null) {
      w.close();
    }
    dataplane.close();
  }

  /** The backstop for lost link events: the watcher attaches to new pod interfaces at once. */
  @Scheduled(every = "1s", delayed = "1s")
  void reconcileInterfaces() {
    if (role.isAgent() && dataplane.isResolvable()) {
      dataplane.get().reconcileInterfaces();
    }
  }
}

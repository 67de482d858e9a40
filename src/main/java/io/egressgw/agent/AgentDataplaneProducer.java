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
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Agent role wiring: provides the {@link NodeDataplane} (only resolvable when egressgw.role=agent)
 * for the agent channel to apply programs and fill heartbeats, and re-attaches the classifier to
 * new pod interfaces every second. The controller role never opens the dataplane.
 */
@ApplicationScoped
public class AgentDataplaneProducer {

  @Inject ProcessRole role;

  @Inject Instance<NodeDataplane> dataplane;

  @Produces
  @Singleton
  @LookupIfProperty(name = ProcessRole.PROPERTY, stringValue = ProcessRole.AGENT)
  NodeDataplane nodeDataplane(AgentDataplaneSettings config) {
    return EbpfNodeDataplane.open(
        new DataplaneSetup(
            config.uplink(),
            config.pinDir(),
            config.nodeIp().orElse(null),
            config.podInterfacePrefix().orElse(""),
            new DataplaneObject.Capacities(
                config.sourcesMax(), config.routesMax(), config.egressesMax(), config.guardMax())));
  }

  void close(@Disposes NodeDataplane dataplane) {
    dataplane.close();
  }

  @Scheduled(every = "1s", delayed = "1s")
  void reconcileInterfaces() {
    if (role.isAgent() && dataplane.isResolvable()) {
      dataplane.get().reconcileInterfaces();
    }
  }
}

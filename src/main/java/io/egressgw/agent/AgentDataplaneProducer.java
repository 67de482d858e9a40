package io.egressgw.agent;

import io.egressgw.dataplane.DataplaneObject;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Agent role wiring: provides the {@link NodeDataplane} (only resolvable when egressgw.role=agent)
 * for the agent channel to apply programs and fill heartbeats, and re-attaches the classifier to
 * new pod interfaces every second. The controller role never opens the dataplane.
 */
@ApplicationScoped
public class AgentDataplaneProducer {

  @ConfigProperty(name = "egressgw.role", defaultValue = "controller")
  String role;

  @jakarta.inject.Inject Instance<NodeDataplane> dataplane;

  @Produces
  @Singleton
  @LookupIfProperty(name = "egressgw.role", stringValue = "agent")
  NodeDataplane nodeDataplane(AgentDataplaneConfig config) {
    return EbpfNodeDataplane.open(
        new DataplaneSettings(
            config.uplink(),
            config.pinDir(),
            config.nodeIp().orElse(null),
            config.podInterfacePrefix().orElse(""),
            new DataplaneObject.Capacities(config.sourcesMax(), config.routesMax(), config.egressesMax())));
  }

  void close(@Disposes NodeDataplane dataplane) {
    dataplane.close();
  }

  @Scheduled(every = "1s", delayed = "1s")
  void reconcileInterfaces() {
    if ("agent".equals(role) && dataplane.isResolvable()) {
      dataplane.get().reconcileInterfaces();
    }
  }
}

package io.egressgw.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Removes the {@link StartupTaint} from nodes whose agent acknowledged a program (leader, reconcile
 * thread). A failed patch is retried with the next acknowledgement or reconcile.
 */
@ApplicationScoped
public class StartupTaintRemoval {
  private static final Logger LOG = Logger.getLogger(StartupTaintRemoval.class);

  @Inject KubernetesClient client;
  @Inject ClusterCache cluster;
  @Inject ChannelState state;
  @Inject Leadership leadership;

  /** Removes the taint from every tainted node whose agent is programmed. */
  void removeFromProgrammedNodes() {
    for (String node : StartupTaint.releasable(cluster.nodes(), state.programs()::programmed)) {
      if (!leadership.isLeader()) {
        return;
      }
      try {
        client.nodes().withName(node).edit(StartupTaint::without);
        LOG.infof("node %s: agent programmed, removed the taint %s", node, StartupTaint.KEY);
      } catch (KubernetesClientException e) {
        LOG.warnf("node %s: taint %s not removed: %s", node, StartupTaint.KEY, e.getMessage());
      }
    }
  }
}

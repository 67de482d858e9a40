package io.egressgw.kube;

import io.egressgw.validation.NodeNetwork;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The nodes' addresses as admission needs them to refuse address theft: the InternalIP and
 * ExternalIP of every Node (an informer, started on first use) and the subnets each node's agent
 * reported in its last heartbeat ({@link #reported}; known to the replica that leads, which the
 * agents talk to).
 */
@ApplicationScoped
public class NodeAddressBook {
  private static final Logger LOG = Logger.getLogger(NodeAddressBook.class);

  private final KubernetesClient client;
  private final Map<String, List<String>> reportedSubnets = new ConcurrentHashMap<>();
  private volatile SharedIndexInformer<Node> nodes;

  public NodeAddressBook(KubernetesClient client) {
    this.client = client;
  }

  /** Records the subnets a node's agent reported (interface addresses with prefix length). */
  public void reported(String node, List<String> subnets) {
    reportedSubnets.put(node, List.copyOf(subnets));
  }

  /** Every known node with its addresses and reported subnets. */
  public List<NodeNetwork> networks() {
    List<NodeNetwork> out = new ArrayList<>();
    Map<String, List<String>> subnets = Map.copyOf(reportedSubnets);
    for (Node node : informer().getStore().list()) {
      String name = node.getMetadata().getName();
      List<String> addresses =
          node.getStatus() == null || node.getStatus().getAddresses() == null
              ? List.of()
              : node.getStatus().getAddresses().stream()
                  .filter(a -> "InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType()))
                  .map(NodeAddress::getAddress)
                  .toList();
      out.add(new NodeNetwork(name, addresses, subnets.getOrDefault(name, List.of())));
    }
    subnets.forEach(
        (name, reported) -> {
          if (out.stream().noneMatch(n -> n.node().equals(name))) {
            out.add(new NodeNetwork(name, List.of(), reported));
          }
        });
    return out;
  }

  private SharedIndexInformer<Node> informer() {
    SharedIndexInformer<Node> current = nodes;
    if (current != null) {
      return current;
    }
    synchronized (this) {
      if (nodes == null) {
        SharedIndexInformer<Node> started = client.nodes().runnableInformer(0);
        try {
          started.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          started.stop();
          throw new IllegalStateException("the Node informer did not sync: " + e, e);
        }
        LOG.infof("node address cache synced: %d nodes", started.getStore().list().size());
        nodes = started;
      }
      return nodes;
    }
  }

  @PreDestroy
  void stop() {
    if (nodes != null) {
      nodes.stop();
    }
  }
}

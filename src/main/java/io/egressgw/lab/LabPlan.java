package io.egressgw.lab;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lab cluster, as data: the reference's scenario on one machine. Nodes share the L2 segment
 * 192.168.1.0/24; egw-ext routes to the "outside world" 203.0.113.0/24 and answers on 203.0.113.10;
 * pods of namespaces alice, paul and bob (frontend and backend each) are spread over the workers.
 */
public record LabPlan(
    String prefix,
    String lanCidr,
    String routerIP,
    String externalIP,
    int externalPort,
    List<LabNode> nodes,
    List<LabNamespace> namespaces,
    List<LabPod> pods) {

  /** A cluster node: its own network namespace, uplink eth0 on the lab segment. */
  public record LabNode(String name, String ip, boolean controlPlane, String podCidr) {
    /** The node's network namespace. */
    public String netns() {
      return "egw-" + name;
    }
  }

  /** A Kubernetes namespace and its labels. */
  public record LabNamespace(String name, Map<String, String> labels) {}

  /** A pod: its own network namespace, routed through its node. */
  public record LabPod(
      String namespace, String name, Map<String, String> labels, String node, String ip) {
    public String netns() {
      return "egw-pod-" + namespace + "-" + name;
    }
  }

  public static final String FLOATING_IP_1 = "192.168.1.100";

  /** The reference's scenario with the documentation block 203.0.113.0/24 as the outside world. */
  public static LabPlan reference() {
    List<LabNode> nodes =
        List.of(
            new LabNode("cp1", "192.168.1.10", true, "10.10.10.0/24"),
            new LabNode("worker1", "192.168.1.1", false, "10.10.1.0/24"),
            new LabNode("worker2", "192.168.1.2", false, "10.10.2.0/24"),
            new LabNode("worker3", "192.168.1.3", false, "10.10.3.0/24"));
    List<LabNamespace> namespaces =
        List.of(
            new LabNamespace("alice", Map.of("user", "alice")),
            new LabNamespace("paul", Map.of("user", "paul")),
            new LabNamespace("bob", Map.of("user", "bob")));
    List<LabPod> pods =
        List.of(
            new LabPod("alice", "frontend", Map.of("role", "frontend"), "worker1", "10.10.1.11"),
            new LabPod("alice", "backend", Map.of("role", "backend"), "worker2", "10.10.2.11"),
            new LabPod("paul", "frontend", Map.of("role", "frontend"), "worker2", "10.10.2.12"),
            new LabPod("paul", "backend", Map.of("role", "backend"), "worker3", "10.10.3.11"),
            new LabPod("bob", "frontend", Map.of("role", "frontend"), "worker3", "10.10.3.12"),
            new LabPod("bob", "backend", Map.of("role", "backend"), "worker1", "10.10.1.12"));
    return new LabPlan(
        "egw-", "192.168.1.0/24", "192.168.1.254", "203.0.113.10", 8000, nodes, namespaces, pods);
  }

  public Optional<LabNode> node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  public LabNode nodeOf(LabPod pod) {
    return node(pod.node()).orElseThrow();
  }

  /** The segment's namespace, holding the bridge every node and the router attach to. */
  public String lanNetns() {
    return prefix + "lan";
  }

  /** The router and outside world's namespace. */
  public String extNetns() {
    return prefix + "ext";
  }

  /** Every network namespace the lab creates, and only those: what `lab down` removes. */
  public List<String> allNetns() {
    var all = new java.util.ArrayList<String>();
    all.add(lanNetns());
    all.add(extNetns());
    nodes.forEach(n -> all.add(n.netns()));
    pods.forEach(p -> all.add(p.netns()));
    return all;
  }

  /** Pod CIDR covering every node's pod range (the cluster CIDR). */
  public String clusterPodCidr() {
    return "10.10.0.0/16";
  }

  /** The prefix length of the lab segment. */
  public int lanPrefixLength() {
    return Integer.parseInt(lanCidr.substring(lanCidr.indexOf('/') + 1));
  }
}

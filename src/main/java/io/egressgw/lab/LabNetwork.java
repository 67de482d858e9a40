package io.egressgw.lab;

import io.egressgw.lab.LabPlan.LabNode;
import io.egressgw.lab.LabPlan.LabPod;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds and removes the lab's network: network namespaces only, never the root namespace, and
 * never connected to it. The segment's bridge lives in its own namespace; nodes, pods and the
 * outside world are namespaces wired with veth pairs created directly inside them.
 */
final class LabNetwork {
  private final LabPlan plan;

  LabNetwork(LabPlan plan) {
    this.plan = plan;
  }

  /** The lab namespaces that exist now. */
  List<String> existing() {
    Set<String> present =
        Shell.must("ip", "netns", "list")
            .lines()
            .map(l -> l.split("\\s+")[0])
            .collect(Collectors.toSet());
    return plan.allNetns().stream().filter(present::contains).toList();
  }

  /** Removes every namespace of the plan that exists, by name; nothing else. */
  void remove() {
    for (String ns : existing()) {
      Shell.run("ip", "netns", "del", ns);
    }
  }

  void build(java.util.function.Consumer<String> progress) {
    progress.accept("segment " + plan.lanCidr() + " (bridge in " + plan.lanNetns() + ")");
    addNetns(plan.lanNetns());
    Shell.mustIn(plan.lanNetns(), "ip", "link", "add", "br0", "type", "bridge");
    Shell.mustIn(plan.lanNetns(), "ip", "link", "set", "br0", "up");

    progress.accept(
        "router "
            + plan.extNetns()
            + " "
            + plan.routerIP()
            + ", outside world "
            + plan.externalIP());
    addNetns(plan.extNetns());
    attachToLan(plan.extNetns(), "n-ext");
    String ext = plan.extNetns();
    Shell.mustIn(
        ext, "ip", "addr", "add", plan.routerIP() + "/" + plan.lanPrefixLength(), "dev", "eth0");
    // The outside world's addresses live on the router's loopback (no dummy driver needed).
    Shell.mustIn(ext, "ip", "addr", "add", plan.externalIP() + "/24", "dev", "lo");
    Shell.mustIn(ext, "ip", "addr", "add", "198.51.100.10/24", "dev", "lo");

    for (LabNode node : plan.nodes()) {
      progress.accept(
          "node "
              + node.name()
              + " "
              + node.ip()
              + (node.controlPlane() ? " (control plane)" : ""));
      buildNode(node);
    }
    for (LabPod pod : plan.pods()) {
      progress.accept(
          "pod " + pod.namespace() + "/" + pod.name() + " " + pod.ip() + " on " + pod.node());
      buildPod(pod, plan.pods().indexOf(pod));
    }
  }

  private void addNetns(String ns) {
    Shell.must("ip", "netns", "add", ns);
    Shell.mustIn(ns, "ip", "link", "set", "lo", "up");
  }

  /** A veth pair: eth0 inside ns, the other end on the bridge in the segment's namespace. */
  private void attachToLan(String ns, String lanSide) {
    Shell.must(
        "ip",
        "link",
        "add",
        "eth0",
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        lanSide,
        "netns",
        plan.lanNetns());
    Shell.mustIn(plan.lanNetns(), "ip", "link", "set", lanSide, "master", "br0", "up");
    Shell.mustIn(ns, "ip", "link", "set", "eth0", "up");
  }

  /** The segment-side end of a node's uplink; setting it down cuts the node off. */
  static String lanPort(LabNode node) {
    return "n-" + node.name();
  }

  void setLink(LabNode node, boolean up) {
    Shell.mustIn(plan.lanNetns(), "ip", "link", "set", lanPort(node), up ? "up" : "down");
  }

  private void buildNode(LabNode node) {
    String ns = node.netns();
    addNetns(ns);
    attachToLan(ns, lanPort(node));
    Shell.mustIn(ns, "ip", "addr", "add", node.ip() + "/" + plan.lanPrefixLength(), "dev", "eth0");
    Shell.mustIn(ns, "ip", "route", "add", "default", "via", plan.routerIP());
    // A node forwards pod traffic; steered packets leave through the interface they came in by, so
    // ICMP redirects must not tell the sender to bypass the gateway, and reverse-path filtering
    // must
    // accept replies routed asymmetrically through the gateway node.
    for (String sysctl :
        List.of(
            "net.ipv4.ip_forward=1",
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.default.rp_filter=0",
            "net.ipv4.conf.all.send_redirects=0",
            "net.ipv4.conf.default.send_redirects=0",
            "net.ipv4.conf.eth0.send_redirects=0",
            "net.ipv4.conf.eth0.rp_filter=0")) {
      Shell.mustIn(ns, "sysctl", "-q", "-w", sysctl);
    }
    for (LabNode other : plan.nodes()) {
      if (!other.equals(node)) {
        Shell.mustIn(ns, "ip", "route", "add", other.podCidr(), "via", other.ip());
      }
    }
    // What the CNI does without egressgw: pod traffic leaving the cluster is masqueraded to the
    // node.
    Shell.nft(
        ns,
        "table ip cni {\n"
            + "  chain postrouting {\n"
            + "    type nat hook postrouting priority srcnat; policy accept;\n"
            + "    oifname \"eth0\" ip saddr "
            + plan.clusterPodCidr()
            + " ip daddr != "
            + plan.clusterPodCidr()
            + " masquerade\n"
            + "  }\n"
            + "}\n");
  }

  private void buildPod(LabPod pod, int index) {
    LabNode node = plan.nodeOf(pod);
    String ns = pod.netns();
    String hostSide = "pod" + index;
    addNetns(ns);
    Shell.must(
        "ip",
        "link",
        "add",
        "eth0",
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        hostSide,
        "netns",
        node.netns());
    // Calico-style: the pod has a /32 and a link-local next hop the node answers for by proxy ARP.
    Shell.mustIn(ns, "ip", "addr", "add", pod.ip() + "/32", "dev", "eth0");
    Shell.mustIn(ns, "ip", "link", "set", "eth0", "up");
    Shell.mustIn(ns, "ip", "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
    Shell.mustIn(ns, "ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
    Shell.mustIn(node.netns(), "ip", "link", "set", hostSide, "up");
    Shell.mustIn(node.netns(), "sysctl", "-q", "-w", "net.ipv4.conf." + hostSide + ".proxy_arp=1");
    Shell.mustIn(node.netns(), "sysctl", "-q", "-w", "net.ipv4.conf." + hostSide + ".rp_filter=0");
    Shell.mustIn(node.netns(), "ip", "route", "add", pod.ip() + "/32", "dev", hostSide);
  }

  /**
   * Opens a TCP connection from the pod to the outside world's echo service and returns the source
   * address the outside world saw, or an explanation when no answer came.
   */
  String observedSource(LabPod pod, String destination, Duration timeout) {
    Shell.Result r =
        Shell.run(
            timeout.plusSeconds(1),
            "",
            List.of(
                "ip",
                "netns",
                "exec",
                pod.netns(),
                "socat",
                "-T",
                String.valueOf(Math.max(1, timeout.toSeconds())),
                "-",
                "TCP:"
                    + destination
                    + ":"
                    + plan.externalPort()
                    + ",connect-timeout="
                    + timeout.toMillis() / 1000.0));
    String seen = r.out().trim();
    return r.ok() && !seen.isEmpty() ? seen : "no answer";
  }
}

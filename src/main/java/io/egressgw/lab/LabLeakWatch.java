package io.egressgw.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts, on the outside host, every packet that arrives with a pod's own address as its source: in
 * the lab every pod leaves either SNATed to a floating IP or masqueraded to its node's address, so
 * each such packet left the cluster with the wrong source address ("never the wrong source
 * address"). The listener of {@link LabConnections} sees only what its sockets accept; a stray ACK
 * or a retransmission that conntrack did not NAT shows only here. An nftables counter and set in
 * the outside host's namespace (the lab's own), counted before routing, so that nothing the outside
 * host does with the packet hides it.
 */
final class LabLeakWatch {
  static final String TABLE = "egw_leakwatch";

  /**
   * What the watch saw since it was (re)started: packets, and per sender "MAC . pod address .
   * protocol" (the MAC tells which node let it out).
   */
  record Seen(long packets, List<String> sources) {
    boolean none() {
      return packets == 0;
    }

    @Override
    public String toString() {
      return packets + " packet(s), by sender MAC . pod address . protocol: " + sources;
    }
  }

  private final String netns;

  private LabLeakWatch(String netns) {
    this.netns = netns;
  }

  /** (Re)starts the watch in the outside host's namespace with a zero count. */
  static LabLeakWatch start(LabPlan plan) {
    Shell.nft(plan.extNetns(), ruleset(plan.clusterPodCidr()));
    return new LabLeakWatch(plan.extNetns());
  }

  static String ruleset(String podCidr) {
    return "table ip "
        + TABLE
        + " {}\n"
        + "delete table ip "
        + TABLE
        + "\n"
        + "table ip "
        + TABLE
        + " {\n"
        + "  counter pod_sources {}\n"
        + "  set sources { type ether_addr . ipv4_addr . inet_proto; size 1024; flags dynamic; }\n"
        + "  chain prerouting {\n"
        + "    type filter hook prerouting priority raw; policy accept;\n"
        + "    ip saddr "
        + podCidr
        + " counter name pod_sources add @sources { ether saddr . ip saddr . meta l4proto }\n"
        + "  }\n"
        + "}\n";
  }

  /** What arrived with a pod's address since {@link #start}. */
  Seen seen() {
    String counter = Shell.mustIn(netns, "nft", "list", "counter", "ip", TABLE, "pod_sources");
    String set = Shell.mustIn(netns, "nft", "list", "set", "ip", TABLE, "sources");
    return parse(counter, set);
  }

  static Seen parse(String counterListing, String setListing) {
    Matcher m = Pattern.compile("packets (\\d+)").matcher(counterListing);
    if (!m.find()) {
      throw new IllegalStateException("no packet count in: " + counterListing);
    }
    long packets = Long.parseLong(m.group(1));
    List<String> sources = new ArrayList<>();
    Matcher elements = Pattern.compile("elements = \\{([^}]*)\\}").matcher(setListing);
    if (elements.find()) {
      for (String e : elements.group(1).split(",")) {
        if (!e.isBlank()) {
          sources.add(e.trim().replaceAll("\\s+", " "));
        }
      }
    }
    return new Seen(packets, sources);
  }

  /** Removes the watch (the outside host's namespace goes with the lab anyway). */
  void stop() {
    Shell.run("ip", "netns", "exec", netns, "nft", "delete", "table", "ip", TABLE);
  }
}

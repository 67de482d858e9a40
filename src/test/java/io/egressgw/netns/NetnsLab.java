package io.egressgw.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A small cluster in network namespaces, none connected to the root namespace:
 *
 * <pre>
 *   egw-ID-sw    bridge br0: the nodes' shared L2 segment 10.77.0.0/24
 *   egw-ID-nN    node N: eth0 10.77.0.N/24, pod CIDR 10.244.N.0/24, routes to the other nodes'
 *                pod CIDRs, masquerade of pod traffic to its own IP (nft table ip cni, as the CNI)
 *   egw-ID-ext   external router/host: eth0 10.77.0.254/24 (the nodes' default gateway), 203.0.113.10
 *                and 198.51.100.10 on lo; TCP servers that answer with the source address they saw
 *   egw-ID-NAME  pods: eth0 10.244.N.K/32, default route via 169.254.1.1 (proxy ARP on the node)
 * </pre>
 *
 * Everything is created with a unique run id and removed by name in {@link #close()} (also from a
 * shutdown hook). Maps are pinned on a bpffs mounted for this run under /tmp.
 */
public final class NetnsLab implements AutoCloseable {
  public static final String EXT_IP = "203.0.113.10";
  public static final String EXT_OTHER_IP = "198.51.100.10";
  public static final String EXT_ROUTER_IP = "10.77.0.254";

  /** Answers with "host:port" of the peer it saw, then closes. */
  public static final int PORT_WHOAMI = 7777;

  /** Answers with the peer address, then echoes lines until closed. */
  public static final int PORT_ECHO = 7778;

  private final String runId;
  private final List<String> namespaces = Collections.synchronizedList(new ArrayList<>());
  private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Pod> pods = new LinkedHashMap<>();
  private final Path bpffs;
  private final int nodes;
  private final Thread hook;
  private boolean bpffsMounted;
  private boolean closed;

  /** A pod: its namespace, address and node. */
  public record Pod(String name, String netns, String ip, int node) {}

  private NetnsLab(int nodes) {
    this.nodes = nodes;
    this.runId =
        HexFormat.of()
            .toHexDigits((short) ThreadLocalRandom.current().nextInt())
            .toLowerCase(Locale.ROOT);
    this.bpffs = Path.of("/tmp/egw-bpffs-" + runId);
    this.hook = new Thread(this::close, "egw-lab-cleanup-" + runId);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Builds the topology with the given number of nodes (1..9). */
  public static NetnsLab start(int nodes) {
    NetnsLab lab = new NetnsLab(nodes);
    try {
      lab.build();
      return lab;
    } catch (RuntimeException e) {
      lab.close();
      throw e;
    }
  }

  public String runId() {
    return runId;
  }

  public String ns(String suffix) {
    return "egw-" + runId + "-" + suffix;
  }

  public String node(int n) {
    return ns("n" + n);
  }

  public String ext() {
    return ns("ext");
  }

  public String sw() {
    return ns("sw");
  }

  public static String nodeIp(int n) {
    return "10.77.0." + n;
  }

  public Path pinDir(int n) {
    return bpffs.resolve("n" + n);
  }

  private void addNs(String name) {
    Sh.must("ip", "netns", "add", name);
    namespaces.add(name);
    Sh.mustIn(name, "ip", "link", "set", "lo", "up");
  }

  /** Writes /proc/sys directly (no procps on minimal systems); /proc/sys/net follows the netns. */
  private void sysctl(String netns, String key, String value) {
    Sh.mustIn(netns, "sh", "-c", "echo " + value + " > /proc/sys/" + key.replace('.', '/'));
  }

  private void build() {
    try {
      Files.createDirectories(bpffs);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Sh.must("mount", "-t", "bpf", "bpf", bpffs.toString());
    bpffsMounted = true;

    addNs(sw());
    Sh.mustIn(sw(), "ip", "link", "add", "br0", "type", "bridge");
    Sh.mustIn(sw(), "ip", "link", "set", "br0", "up");

    addNs(ext());
    Sh.must(
        "ip", "-n", sw(), "link", "add", "ext", "type", "veth", "peer", "name", "eth0", "netns",
        ext());
    Sh.mustIn(sw(), "ip", "link", "set", "ext", "master", "br0", "up");
    Sh.mustIn(ext(), "ip", "addr", "add", EXT_ROUTER_IP + "/24", "dev", "eth0");
    Sh.mustIn(ext(), "ip", "link", "set", "eth0", "up");
    Sh.mustIn(ext(), "ip", "addr", "add", EXT_IP + "/32", "dev", "lo");
    Sh.mustIn(ext(), "ip", "addr", "add", EXT_OTHER_IP + "/32", "dev", "lo");

    for (int n = 1; n <= nodes; n++) {
      String node = node(n);
      addNs(node);
      Sh.must(
          "ip", "-n", sw(), "link", "add", "n" + n, "type", "veth", "peer", "name", "eth0", "netns",
          node);
      Sh.mustIn(sw(), "ip", "link", "set", "n" + n, "master", "br0", "up");
      Sh.mustIn(node, "ip", "addr", "add", nodeIp(n) + "/24", "dev", "eth0");
      Sh.mustIn(node, "ip", "link", "set", "eth0", "up");
      Sh.mustIn(node, "ip", "route", "add", "default", "via", EXT_ROUTER_IP);
      sysctl(node, "net.ipv4.ip_forward", "1");
      for (int m = 1; m <= nodes; m++) {
        if (m != n) {
          Sh.mustIn(node, "ip", "route", "add", "10.244." + m + ".0/24", "via", nodeIp(m));
        }
      }
      // the CNI's masquerade: pod traffic leaving the cluster gets the node's address
      Sh.Result r =
          Sh.runWithInput(
              10,
              "table ip cni {\n"
                  + " chain postrouting {\n"
                  + "  type nat hook postrouting priority srcnat; policy accept;\n"
                  + "  ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 oifname \"eth0\""
                  + " masquerade\n"
                  + " }\n"
                  + "}\n",
              Sh.inNetns(node, "nft", "-f", "-"));
      if (!r.ok()) {
        throw new IllegalStateException("nft masquerade on " + node + ": " + r.output());
      }
    }
    startServers();
  }

  private void startServers() {
    startProcess(
        ext(),
        "socat",
        "TCP-LISTEN:" + PORT_WHOAMI + ",fork,reuseaddr",
        "SYSTEM:echo $SOCAT_PEERADDR");
    startProcess(
        ext(),
        "socat",
        "TCP-LISTEN:" + PORT_ECHO + ",fork,reuseaddr",
        "SYSTEM:echo $SOCAT_PEERADDR; exec cat");
    for (int port : new int[] {PORT_WHOAMI, PORT_ECHO}) {
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(
              () ->
                  Sh.run(5, Sh.inNetns(ext(), "sh", "-c", "ss -ltn | grep -q ':" + port + " '"))
                      .ok());
    }
  }

  /**
   * Creates (and tracks for removal) an empty pod namespace {@code ns(name)}, so that a test can
   * start a process in it before the pod's interface exists.
   */
  public String addEmptyNamespace(String name) {
    addNs(ns(name));
    return ns(name);
  }

  /** Adds a pod on node n; its address is 10.244.n.(count of pods on n + 2). */
  public Pod addPod(int n, String name) {
    long onNode = pods.values().stream().filter(p -> p.node() == n).count();
    String ip = "10.244." + n + "." + (onNode + 2);
    String netns = ns(name);
    addNs(netns);
    String node = node(n);
    Sh.must(
        "ip", "-n", node, "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns",
        netns);
    Sh.mustIn(netns, "ip", "addr", "add", ip + "/32", "dev", "eth0");
    Sh.mustIn(netns, "ip", "link", "set", "eth0", "up");
    Sh.mustIn(netns, "ip", "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
    Sh.mustIn(netns, "ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
    Sh.mustIn(node, "ip", "link", "set", name, "up");
    Sh.mustIn(node, "ip", "route", "add", ip + "/32", "dev", name);
    sysctl(node, "net.ipv4.conf." + name + ".proxy_arp", "1");
    Pod pod = new Pod(name, netns, ip, n);
    pods.put(name, pod);
    return pod;
  }

  /** Starts a long-running process in a namespace; stopped by {@link #close()}. */
  public Process startProcess(String netns, String... cmd) {
    try {
      Process p =
          new ProcessBuilder(Sh.inNetns(netns, cmd))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public void track(Process p) {
    processes.add(p);
  }

  /**
   * Opens a TCP connection from the pod to host:port (the "whoami" server) and returns the source
   * address the server saw, or null when the connection failed.
   */
  public String seenAs(Pod pod, String host) {
    Sh.Result r =
        Sh.run(
            10,
            Sh.inNetns(
                pod.netns(),
                "socat",
                "-T",
                "3",
                "-",
                "TCP:" + host + ":" + PORT_WHOAMI + ",connect-timeout=3"));
    if (!r.ok() || r.output().isBlank()) {
      return null;
    }
    String line = r.output().trim().lines().findFirst().orElse("");
    int colon = line.lastIndexOf(':');
    return colon > 0 ? line.substring(0, colon) : line;
  }

  /** conntrack entries on a namespace whose original source is ip. */
  public String conntrack(String netns, String sourceIp) {
    return Sh.run(10, Sh.inNetns(netns, "conntrack", "-L", "-s", sourceIp)).output();
  }

  public String mac(String netns, String ifname) {
    return Sh.mustIn(netns, "cat", "/sys/class/net/" + ifname + "/address").trim();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Process p : processes) {
      p.destroyForcibly();
    }
    List<String> all = new ArrayList<>(namespaces);
    Collections.reverse(all);
    for (String netns : all) {
      // processes left in our namespaces (e.g. socat children) are ours: end them by pid
      for (String pid : Sh.run(10, "ip", "netns", "pids", netns).output().split("\\s+")) {
        if (pid.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      Sh.run(10, "ip", "netns", "del", netns);
    }
    if (bpffsMounted) {
      Sh.run(10, "umount", bpffs.toString());
    }
    try {
      Files.deleteIfExists(bpffs);
    } catch (IOException ignored) {
      // best effort
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
  }
}

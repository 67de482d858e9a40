package io.egressgw.netns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.dataplane.DataplaneObject;
import io.egressgw.dataplane.EgressEntry;
import io.egressgw.dataplane.MapCodec;
import io.egressgw.dataplane.MapLayouts;
import io.egressgw.dataplane.ProgTestRun;
import io.egressgw.dataplane.RouteKey;
import io.egressgw.net.Ipv4;
import io.egressgw.net.Ipv4Prefix;
import io.egressgw.program.NodeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Dataplane benchmarks (not part of the test suite; run src/test/bench/dataplane-bench.sh as root):
 * TCP throughput (iperf3 -t 5), small-packet UDP packets per second (64-byte datagrams for 3 s from
 * one Java sender, counted at the listener: {@link UdpPpsBench}) and new connections per second
 * from pods through the gateway path (pod on node 1, steered to node 2, SNATed there), the local
 * gateway path (pod on node 2), the direct masquerade path (unselected pod on node 1) and the plain
 * two-hop kernel forward; and the per-packet cost of egw_classify via BPF_PROG_TEST_RUN with
 * repeat. Prints Markdown.
 */
public final class DataplaneBench {
  static final int DEFAULT_ROUNDS = 5;
  static final int CPS_PORT = 7790;
  static final int UDP_PAYLOAD = 64;
  static final int UDP_SECONDS = 3;
  static final int UDP_PORT = 7791;

  private DataplaneBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--classifier-only")) {
      System.out.println(classifierCost());
      return;
    }
    int rounds = DEFAULT_ROUNDS;
    if (args.length == 2 && args[0].equals("--rounds")) {
      rounds = Integer.parseInt(args[1]);
    } else if (args.length > 0) {
      throw new IllegalArgumentException("usage: [--classifier-only | --rounds N]");
    }
    StringBuilder md = new StringBuilder();
    try (NetnsLab lab = NetnsLab.start(3)) {
      NetnsLab.Pod a = lab.addPod(1, "pa");
      NetnsLab.Pod b = lab.addPod(1, "pb");
      NetnsLab.Pod c = lab.addPod(2, "pc");
      Path logs = Files.createDirectories(Path.of("target", "bench-logs", lab.runId()));
      List<AgentProcess> agents = new ArrayList<>();
      for (int n = 1; n <= 3; n++) {
        AgentProcess agent =
            AgentProcess.start(
                lab, lab.node(n), lab.pinDir(n), logs.resolve("agent-n" + n + ".log"));
        agents.add(agent);
        Map<String, Integer> sources = new HashMap<>();
        if (n == 1 || n == 2) {
          sources.put(n == 1 ? a.ip() : c.ip(), 1);
        }
        if (n == 2) {
          sources.put(a.ip(), 1);
        }
        agent.apply(
            new NodeProgram(
                "node" + n,
                1,
                sources,
                Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", 7))),
                Map.of(
                    7,
                    new NodeProgram.Egress(7, "bench", "10.77.0.100", "node2", NetnsLab.nodeIp(2))),
                n == 2 ? List.of("10.77.0.100") : List.of()));
      }
      // the same two hops without egressgw: policy route via node 2, identity NAT on node 1, node 2
      // masquerades
      NetnsLab.Pod e = lab.addPod(1, "pe");
      Sh.mustIn(
          lab.node(1), "ip", "rule", "add", "from", e.ip(), "lookup", "100", "priority", "100");
      Sh.mustIn(
          lab.node(1),
          "ip",
          "route",
          "add",
          "default",
          "via",
          NetnsLab.nodeIp(2),
          "dev",
          "eth0",
          "table",
          "100");
      Sh.Result nat =
          Sh.runWithInput(
              10,
              "table ip twohop {\n"
                  + " chain post {\n"
                  + "  type nat hook postrouting priority srcnat - 20; policy accept;\n"
                  + "  ip saddr "
                  + e.ip()
                  + " snat to ip saddr\n }\n}\n",
              Sh.inNetns(lab.node(1), "nft", "-f", "-"));
      if (!nat.ok()) {
        throw new IllegalStateException(nat.output());
      }
      check(lab, e, NetnsLab.nodeIp(2));
      check(lab, a, "10.77.0.100");
      check(lab, c, "10.77.0.100");
      check(lab, b, NetnsLab.nodeIp(1));
      lab.startProcess(lab.ext(), "iperf3", "-s", "-p", "5201");
      lab.startProcess(
          lab.ext(),
          java(),
          "-cp",
          System.getProperty("java.class.path"),
          TcpConnectBench.class.getName(),
          "server",
          String.valueOf(CPS_PORT));
      lab.startProcess(
          lab.ext(),
          java(),
          "-cp",
          System.getProperty("java.class.path"),
          UdpPpsBench.class.getName(),
          "server",
          String.valueOf(UDP_PORT));
      Thread.sleep(1500); // servers binding; bounded one-off wait in a benchmark, not a test

      Map<String, NetnsLab.Pod> paths = new java.util.LinkedHashMap<>();
      paths.put("gateway path (pod on node 1 -> node 2 SNAT)", a);
      paths.put("local gateway (pod on the gateway node)", c);
      paths.put("direct masquerade (unselected pod)", b);
      paths.put(
          "plain two-hop forward, no egressgw (policy route via node 2, masquerade there)", e);
      Map<String, List<Double>> gbps = new HashMap<>();
      Map<String, List<Double>> cps = new HashMap<>();
      Map<String, List<Double>> udpReceived = new HashMap<>();
      Map<String, List<Double>> udpSent = new HashMap<>();
      for (int round = 0; round < rounds; round++) {
        for (Map.Entry<String, NetnsLab.Pod> p : paths.entrySet()) {
          gbps.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(iperf(p.getValue()));
          double[] udp = udpPps(p.getValue());
          udpReceived.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(udp[0]);
          udpSent.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(udp[1]);
          cps.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(connectRate(p.getValue()));
        }
      }
      md.append("| path | TCP throughput, Gbit/s (median of ")
          .append(rounds)
          .append(" x iperf3 -t 5) | 64-byte UDP received at the listener, pps (median of ")
          .append(rounds)
          .append(" x ")
          .append(UDP_SECONDS)
          .append(" s) | UDP sent, pps (median) | new TCP connections/s (median of ")
          .append(rounds)
          .append(") |\n|---|---|---|---|---|\n");
      for (String path : paths.keySet()) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.2f %s | %.0f %s | %.0f | %.0f %s |%n",
                path,
                median(gbps.get(path)),
                fmt(gbps.get(path)),
                median(udpReceived.get(path)),
                fmt(udpReceived.get(path)),
                median(udpSent.get(path)),
                median(cps.get(path)),
                fmt(cps.get(path))));
      }
      String gw = paths.keySet().iterator().next();
      String direct = "direct masquerade (unselected pod)";
      String twoHop =
          "plain two-hop forward, no egressgw (policy route via node 2, masquerade there)";
      md.append(
          String.format(
              Locale.ROOT,
              "%nGateway path vs direct: throughput %.0f%%, 64-byte UDP pps %.0f%%,"
                  + " connections/s %.0f%%.%n",
              100 * median(gbps.get(gw)) / median(gbps.get(direct)),
              100 * median(udpReceived.get(gw)) / median(udpReceived.get(direct)),
              100 * median(cps.get(gw)) / median(cps.get(direct))));
      md.append(
          String.format(
              Locale.ROOT,
              "Gateway path vs plain two-hop forward: throughput %.0f%%, 64-byte UDP pps %.0f%%,"
                  + " connections/s %.0f%%.%n",
              100 * median(gbps.get(gw)) / median(gbps.get(twoHop)),
              100 * median(udpReceived.get(gw)) / median(udpReceived.get(twoHop)),
              100 * median(cps.get(gw)) / median(cps.get(twoHop))));
      for (AgentProcess agent : agents) {
        agent.kill();
      }
    }
    md.append("\n").append(classifierCost());
    System.out.println(md);
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static void check(NetnsLab lab, NetnsLab.Pod pod, String expected) {
    String seen = lab.seenAs(pod, NetnsLab.EXT_IP);
    if (!expected.equals(seen)) {
      throw new IllegalStateException(pod.name() + " seen as " + seen + ", expected " + expected);
    }
  }

  static double iperf(NetnsLab.Pod pod) throws Exception {
    Sh.Result r =
        Sh.run(
            30,
            Sh.inNetns(
                pod.netns(), "iperf3", "-c", NetnsLab.EXT_IP, "-p", "5201", "-t", "5", "-J"));
    JsonNode j = new ObjectMapper().readTree(r.output());
    double bps = j.path("end").path("sum_received").path("bits_per_second").asDouble();
    if (bps == 0) {
      throw new IllegalStateException("iperf3 failed: " + r.output());
    }
    return bps / 1e9;
  }

  /**
   * UDP_PAYLOAD-byte datagrams from the pod to the external UdpPpsBench server for UDP_SECONDS, as
   * fast as one Java sender goes: {received pps at the listener, sent pps}. A path that drops shows
   * as fewer received; every wait is bounded.
   */
  static double[] udpPps(NetnsLab.Pod pod) {
    Sh.Result r =
        Sh.run(
            40,
            Sh.inNetns(
                pod.netns(),
                java(),
                "-cp",
                System.getProperty("java.class.path"),
                UdpPpsBench.class.getName(),
                "client",
                NetnsLab.EXT_IP,
                String.valueOf(UDP_PORT),
                String.valueOf(UDP_PAYLOAD),
                String.valueOf(UDP_SECONDS)));
    String[] f = r.output().trim().lines().reduce((x, y) -> y).orElse("").split(" ");
    if (!r.ok() || f.length != 4) {
      throw new IllegalStateException("UDP bench failed: " + r.output());
    }
    return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[3])};
  }

  static double connectRate(NetnsLab.Pod pod) {
    Sh.Result r =
        Sh.run(
            40,
            Sh.inNetns(
                pod.netns(),
                java(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                TcpConnectBench.class.getName(),
                "client",
                NetnsLab.EXT_IP,
                String.valueOf(CPS_PORT),
                "20000",
                "5"));
    String[] f = r.output().trim().lines().reduce((x, y) -> y).orElse("").split(" ");
    if (!r.ok() || f.length != 2) {
      throw new IllegalStateException("connect bench failed: " + r.output());
    }
    return Integer.parseInt(f[0]) / Double.parseDouble(f[1]);
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(Double::compare);
    return s.get(s.size() / 2);
  }

  static String fmt(List<Double> xs) {
    return "("
        + String.join(
            ", ",
            xs.stream().map(x -> String.format(Locale.ROOT, x < 100 ? "%.2f" : "%.0f", x)).toList())
        + ")";
  }

  /** ns per packet of egw_classify in the kernel with realistic map sizes. */
  static String classifierCost() throws Exception {
    Path bpffs = Files.createTempDirectory("egw-bpffs-bench-");
    Sh.must("mount", "-t", "bpf", "bpf", bpffs.toString());
    StringBuilder md = new StringBuilder();
    try (DataplaneObject bpf =
        DataplaneObject.load(
            bpffs.resolve("n").toString(),
            Ipv4.parseOrThrow("10.77.0.2"),
            DataplaneObject.Capacities.defaults())) {
      int pods = 65536;
      int routes = 100_000;
      Map<Integer, Integer> sources = new HashMap<>();
      for (int i = 0; i < pods; i++) {
        sources.put(Ipv4.parseOrThrow("10.128.0.0") + i, i % 1000);
      }
      Map<RouteKey, Integer> rs = new HashMap<>();
      for (int i = 0; i < routes; i++) {
        rs.put(
            new RouteKey(
                i % 1000, new Ipv4Prefix(Ipv4.parseOrThrow("100.64.0.0") + (i / 1000) * 256, 24)),
            1 + i % 100);
      }
      rs.put(new RouteKey(7, Ipv4Prefix.parse("203.0.113.0/24")), 7);
      Map<Integer, EgressEntry> egs = new HashMap<>();
      for (int i = 1; i <= 100; i++) {
        egs.put(
            i,
            new EgressEntry(
                Ipv4.parseOrThrow("10.77.0.3"),
                Ipv4.parseOrThrow("10.77.1.0") + i,
                MapLayouts.EGRESS_HAS_GATEWAY));
      }
      MapCodec.writeSources(bpf.sources(), sources);
      MapCodec.writeRoutes(bpf.routes(), rs);
      MapCodec.writeEgresses(bpf.egresses(), egs);
      int fd = bpf.programFd(MapLayouts.PROG_CLASSIFY);
      String selected = Ipv4.format(Ipv4.parseOrThrow("10.128.0.0") + 7);
      Object[][] rows = {
        {"unselected source (one hash miss)", ProgTestRun.tcpPacket("10.244.9.9", "203.0.113.10")},
        {
          "selected source, destination outside its rule set (hash + LPM miss)",
          ProgTestRun.tcpPacket(selected, "198.51.100.10")
        },
        {
          "selected source, steered (hash + LPM + hash)",
          ProgTestRun.tcpPacket(selected, "203.0.113.10")
        },
        {"not IPv4 (ARP)", ProgTestRun.arpPacket()},
      };
      md.append("egw_classify per packet (BPF_PROG_TEST_RUN, repeat 1,000,000; maps: ")
          .append(pods)
          .append(" sources, ")
          .append(routes + 1)
          .append(" routes, 100 egresses):\n\n| packet | ns/packet (3 runs) |\n|---|---|\n");
      for (Object[] row : rows) {
        List<String> ns = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          ns.add(String.valueOf(ProgTestRun.run(fd, (byte[]) row[1], 0, 1_000_000).nanosPerRun()));
        }
        md.append("| ").append(row[0]).append(" | ").append(String.join(", ", ns)).append(" |\n");
      }
    } finally {
      Sh.run(10, "umount", bpffs.toString());
      Files.deleteIfExists(bpffs);
    }
    return md.toString();
  }
}

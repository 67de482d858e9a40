package io.egressgw.netns;

import io.egressgw.agent.ApplyResult;
import io.egressgw.agent.DataplaneSetup;
import io.egressgw.agent.EbpfNodeDataplane;
import io.egressgw.dataplane.DataplaneObject;
import io.egressgw.dataplane.MapLayouts;
import io.egressgw.dataplane.ProgTestRun;
import io.egressgw.net.Ipv4;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.ProgramDelta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The scale benchmark of one node's dataplane (not part of the test suite; run
 * src/test/bench/scale-bench.sh as root): a program of {@code --routes} (rule set, prefix) routes
 * and {@code --pods} local pods applied by a real {@link EbpfNodeDataplane} in a network namespace
 * of its own. Measures the cold load (open and apply of the whole program), the locked memory per
 * map, the apply of a one-pod change, an agent restart with the maps in place, and egw_classify per
 * packet over many distinct packets (one BPF_PROG_TEST_RUN each, so no packet repeats with a hot
 * cache). Prints Markdown.
 *
 * <p>The outer process builds the namespace (one {@link NetnsLab} node) and runs itself inside it
 * with {@code --inside PIN_DIR}; the namespace and the bpffs are removed afterwards.
 */
public final class ScaleBench {
  static final String GATEWAY_IP = NetnsLab.nodeIp(2);
  static final int RULE_SETS = 1000;
  static final int EGRESSES = 100;
  static final int DELTA_ROUNDS = 20;
  static final int PACKETS_PER_ROW = 50_000;

  private ScaleBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int routes = Integer.parseInt(opts.getOrDefault("routes", "1000000"));
    int pods = Integer.parseInt(opts.getOrDefault("pods", "64000"));
    if (opts.containsKey("inside")) {
      System.out.print(inside(Path.of(opts.get("inside")), routes, pods));
      return;
    }
    try (NetnsLab lab = NetnsLab.start(1)) {
      // the gateway all egresses steer to: a fixed neighbour, nobody has to answer ARP
      Sh.mustIn(
          lab.node(1),
          "ip",
          "neigh",
          "replace",
          GATEWAY_IP,
          "lladdr",
          "02:00:00:00:00:02",
          "dev",
          "eth0",
          "nud",
          "permanent");
      String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd =
          List.of(
              "ip",
              "netns",
              "exec",
              lab.node(1),
              javaBin,
              "-Xmx" + opts.getOrDefault("heap", "6g"),
              "-XX:+UseParallelGC",
              "-cp",
              System.getProperty("java.class.path"),
              ScaleBench.class.getName(),
              "--inside",
              lab.pinDir(1).toString(),
              "--routes",
              Integer.toString(routes),
              "--pods",
              Integer.toString(pods));
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      lab.track(p);
      if (!p.waitFor(15, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("benchmark process failed or timed out");
      }
    }
  }

  /** The address of prefix k of the program: 64.0.0.0 + k x 256, length /24 to /32. */
  static int prefixAddress(int k) {
    return Ipv4.parseOrThrow("64.0.0.0") + k * 256;
  }

  static int prefixLength(int k) {
    return 24 + k % 9;
  }

  static int podIp(int i) {
    return Ipv4.parseOrThrow("10.128.0.0") + i;
  }

  static int ruleSetOfPod(int i) {
    return 1 + i % RULE_SETS;
  }

  /**
   * The benchmark program: pods 10.128.0.0 + i in rule set 1 + i % 1000; rule set r holds prefixes
   * k = (r - 1) x (routes / 1000) + j, every prefix distinct (so the guard holds them all); 100
   * egresses, all steered to another node; in-cluster exclusions as a real cluster has them.
   */
  static NodeProgram program(long generation, int routes, int pods) {
    Map<String, Integer> sources = new HashMap<>();
    for (int i = 0; i < pods; i++) {
      sources.put(Ipv4.format(podIp(i)), ruleSetOfPod(i));
    }
    int perRuleSet = routes / RULE_SETS;
    Map<Integer, List<NodeProgram.Route>> ruleSets = new HashMap<>();
    List<String> guard = new ArrayList<>(routes);
    for (int r = 1; r <= RULE_SETS; r++) {
      List<NodeProgram.Route> list = new ArrayList<>(perRuleSet);
      for (int j = 0; j < perRuleSet; j++) {
        int k = (r - 1) * perRuleSet + j;
        String cidr = Ipv4.format(prefixAddress(k)) + "/" + prefixLength(k);
        list.add(new NodeProgram.Route(cidr, 1 + k % EGRESSES));
        guard.add(cidr);
      }
      ruleSets.put(r, list);
    }
    Map<Integer, NodeProgram.Egress> egresses = new HashMap<>();
    for (int id = 1; id <= EGRESSES; id++) {
      egresses.put(
          id,
          new NodeProgram.Egress(
              id,
              "policy-" + id,
              Ipv4.format(Ipv4.parseOrThrow("10.77.1.0") + id),
              "n2",
              GATEWAY_IP));
    }
    return new NodeProgram(
        "n1",
        generation,
        sources,
        ruleSets,
        egresses,
        List.of(),
        guard,
        List.of("10.77.0.1/32", GATEWAY_IP + "/32", "10.96.0.0/12", "10.128.0.0/14"));
  }

  static DataplaneObject.Capacities capacities(int routes) {
    int guard = Math.max(MapLayouts.GUARD_MAX, Integer.highestOneBit(Math.max(1, routes - 1)) << 1);
    return new DataplaneObject.Capacities(
        MapLayouts.SOURCES_MAX,
        Math.max(MapLayouts.ROUTES_MAX, routes),
        MapLayouts.EGRESSES_MAX,
        guard,
        MapLayouts.EXCLUDED_MAX);
  }

  /** Runs in the node's namespace: every measurement, as Markdown. */
  static String inside(Path pinDir, int routes, int pods) throws Exception {
    StringBuilder md = new StringBuilder();
    DataplaneObject.Capacities caps = capacities(routes);
    DataplaneSetup setup = new DataplaneSetup("eth0", pinDir.toString(), null, "", caps);
    long t0 = System.nanoTime();
    NodeProgram base = program(1, routes, pods);
    long built = System.nanoTime() - t0;
    md.append(
            String.format(
                Locale.ROOT,
                "Program: %,d routes in %,d rule sets, %,d sources (local pods), %d egresses,"
                    + " %,d guarded prefixes; built in %d ms (not counted below).%n%n",
                routes,
                RULE_SETS,
                pods,
                EGRESSES,
                base.guardedPrefixes().size(),
                built / 1_000_000))
        .append(
            String.format(
                Locale.ROOT,
                "Capacities: sources %,d, routes %,d, egresses %,d, guard %,d, excluded %,d.%n%n",
                caps.sources(),
                caps.routes(),
                caps.egresses(),
                caps.guard(),
                caps.excluded()));

    long t1 = System.nanoTime();
    EbpfNodeDataplane dataplane = EbpfNodeDataplane.open(setup);
    long opened = System.nanoTime() - t1;
    long t2 = System.nanoTime();
    ApplyResult cold = dataplane.apply(base);
    long applied = System.nanoTime() - t2;
    md.append("| cold load | ms |\n|---|---|\n")
        .append(row("open (create the maps, load and attach the programs)", opened))
        .append(row("apply of the whole program (" + cold.mapWrites() + " map writes)", applied))
        .append(row("total", opened + applied))
        .append("\n| map | memlock bytes |\n|---|---|\n");
    long total = 0;
    for (Map.Entry<String, Long> e : dataplane.memlockBytes().entrySet()) {
      md.append(String.format(Locale.ROOT, "| %s | %,d |%n", e.getKey(), e.getValue()));
      total += Math.max(0, e.getValue());
    }
    md.append(String.format(Locale.ROOT, "| total | %,d |%n%n", total));

    md.append(onePodDeltas(dataplane, base, routes, pods));

    // an agent restart: the maps stay pinned, the new process reads them back and changes nothing
    dataplane.close();
    long t3 = System.nanoTime();
    EbpfNodeDataplane reopened = EbpfNodeDataplane.open(setup);
    long reopen = System.nanoTime() - t3;
    NodeProgram same = program(base.generation() + 2 * DELTA_ROUNDS + 1, routes, pods);
    long t4 = System.nanoTime();
    ApplyResult again = reopened.apply(same);
    long reapply = System.nanoTime() - t4;
    md.append("| agent restart with the maps pinned | ms |\n|---|---|\n")
        .append(row("open (reads every map back)", reopen))
        .append(
            row("first apply of the same program (" + again.mapWrites() + " map writes)", reapply))
        .append("\n");
    reopened.close();

    md.append(classifierCost(pinDir, caps, routes, pods));
    return md.toString();
  }

  /**
   * Adds a pod, removes it again, DELTA_ROUNDS times per way of applying: each apply is a one-pod
   * change. The ways: the full program alone ({@code apply(program)}, as DataplaneCli and a full
   * push do) and the program with the {@link ProgramDelta} it was made from (as the agent channel
   * does with a delta push); beside them, the channel's own work of making the program from the
   * delta ({@link ProgramDelta#applyTo}).
   */
  static String onePodDeltas(EbpfNodeDataplane dataplane, NodeProgram base, int routes, int pods) {
    StringBuilder md =
        new StringBuilder(
            "One-pod change (a pod added, then removed again; "
                + DELTA_ROUNDS
                + " applies per row):\n\n"
                + "| one-pod apply | median ms | p90 ms | max ms | map writes per apply |\n"
                + "|---|---|---|---|---|\n");
    // what the agent does once per full program it receives (AgentChannelClient)
    long p = System.nanoTime();
    NodeProgram current = base.withPersistentSources();
    long persistent = System.nanoTime() - p;
    String extraPod = Ipv4.format(podIp(pods + 1));
    long[] channel = new long[DELTA_ROUNDS];
    for (boolean withDelta : new boolean[] {false, true}) {
      long[] nanos = new long[DELTA_ROUNDS];
      java.util.Set<Integer> writes = new java.util.TreeSet<>();
      for (int round = 0; round < DELTA_ROUNDS; round++) {
        ProgramDelta delta =
            new ProgramDelta(
                current.node(),
                current.generation(),
                current.generation() + 1,
                round % 2 == 0 ? Map.of(extraPod, ruleSetOfPod(7)) : Map.of(),
                round % 2 == 0 ? List.of() : List.of(extraPod),
                null,
                null,
                null,
                null,
                null,
                null);
        long c = System.nanoTime();
        NodeProgram next = delta.applyTo(current);
        channel[round] = System.nanoTime() - c;
        long t = System.nanoTime();
        ApplyResult r = withDelta ? dataplane.apply(next, delta) : dataplane.apply(next);
        nanos[round] = System.nanoTime() - t;
        writes.add(r.mapWrites());
        current = next;
      }
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s |%n",
              withDelta ? "`apply(program, delta)` (agent channel)" : "`apply(program)`",
              ms(percentile(nanos, 50)),
              ms(percentile(nanos, 90)),
              ms(percentile(nanos, 100)),
              writes));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "| the channel's `ProgramDelta.applyTo` (persistent sources: shares the %,d others) |"
                + " %s | %s | %s | - |%n%n",
            pods,
            ms(percentile(channel, 50)),
            ms(percentile(channel, 90)),
            ms(percentile(channel, 100))));
    md.append(
        String.format(
            Locale.ROOT,
            "Once per full program, not per delta: its %,d sources made persistent"
                + " (`NodeProgram.withPersistentSources`) in %s ms.%n%n",
            pods,
            ms(persistent)));
    return md.toString();
  }

  /**
   * egw_classify over many distinct packets: each packet runs once (BPF_PROG_TEST_RUN, repeat 1),
   * sources and destinations drawn at random over the whole program, so lookups walk different
   * parts of the maps as real traffic does. The kernel times each run (its timer adds a few ns; the
   * ARP row is the floor). For comparison, one packet per row repeated 1,000,000 times (hot).
   */
  static String classifierCost(Path pinDir, DataplaneObject.Capacities caps, int routes, int pods)
      throws Exception {
    int perRuleSet = routes / RULE_SETS;
    SplittableRandom rnd = new SplittableRandom(42);
    StringBuilder md = new StringBuilder();
    try (DataplaneObject bpf =
        DataplaneObject.load(pinDir.toString(), Ipv4.parseOrThrow("10.77.0.1"), caps)) {
      int fd = bpf.programFd(MapLayouts.PROG_CLASSIFY);
      String[] rows = {
        "selected source, steered (excluded miss, sources hit, LPM hit, egress)",
        "selected source, destination outside its rule set (LPM miss)",
        "unknown source, guarded destination (sources miss, guard hit: drop)",
        "in-cluster destination (excluded hit)",
        "not IPv4 (ARP): the floor of the measurement"
      };
      int[] expected = {
        ProgTestRun.TC_ACT_UNSPEC,
        ProgTestRun.TC_ACT_UNSPEC,
        ProgTestRun.TC_ACT_SHOT,
        ProgTestRun.TC_ACT_UNSPEC,
        ProgTestRun.TC_ACT_UNSPEC
      };
      md.append("egw_classify per packet, ")
          .append(String.format(Locale.ROOT, "%,d", PACKETS_PER_ROW))
          .append(
              " distinct packets per row, each run once (BPF_PROG_TEST_RUN repeat 1; random"
                  + " sources and destinations over the whole program), and one packet of the row"
                  + " repeated 1,000,000 times (hot cache) beside it:\n\n"
                  + "| packet | distinct: median ns | p90 ns | p99 ns | mean ns | one packet"
                  + " repeated: ns | verdicts as expected |\n|---|---|---|---|---|---|---|\n");
      for (int row = 0; row < rows.length; row++) {
        long[] ns = new long[PACKETS_PER_ROW];
        int asExpected = 0;
        int steered = 0;
        byte[] first = null;
        for (int i = 0; i < PACKETS_PER_ROW; i++) {
          byte[] packet = packet(row, rnd, perRuleSet, pods);
          if (first == null) {
            first = packet;
          }
          ProgTestRun.Result r = ProgTestRun.run(fd, packet, 0, 1);
          ns[i] = r.nanosPerRun();
          if (r.retval() == expected[row]) {
            asExpected++;
          }
          if ((r.markOut() & MapLayouts.MARK_MASK) == MapLayouts.MARK_STEER) {
            steered++;
          }
        }
        long hot = ProgTestRun.run(fd, first, 0, 1_000_000).nanosPerRun();
        boolean ok = asExpected == PACKETS_PER_ROW && (row == 0) == (steered == PACKETS_PER_ROW);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %d | %d | %.0f | %d | %s |%n",
                rows[row],
                percentile(ns, 50),
                percentile(ns, 90),
                percentile(ns, 99),
                Arrays.stream(ns).average().orElse(0),
                hot,
                ok ? "yes" : "NO (" + asExpected + " verdicts, " + steered + " steered)"));
      }
    }
    return md.append("\n").toString();
  }

  private static byte[] packet(int row, SplittableRandom rnd, int perRuleSet, int pods) {
    if (row == 4) {
      return ProgTestRun.arpPacket();
    }
    int pod = rnd.nextInt(pods);
    int ruleSet = ruleSetOfPod(pod);
    String src = Ipv4.format(podIp(pod));
    int k;
    switch (row) {
      case 0 -> k = (ruleSet - 1) * perRuleSet + rnd.nextInt(perRuleSet);
      case 1 -> k = (ruleSet % RULE_SETS) * perRuleSet + rnd.nextInt(perRuleSet);
      case 2 -> {
        src = Ipv4.format(Ipv4.parseOrThrow("10.200.0.0") + rnd.nextInt(1 << 16));
        k = rnd.nextInt(perRuleSet * RULE_SETS);
      }
      default -> {
        return ProgTestRun.tcpPacket(
            src, Ipv4.format(Ipv4.parseOrThrow("10.96.0.0") + rnd.nextInt(1 << 20)));
      }
    }
    int hostBits = 32 - prefixLength(k);
    int dst = prefixAddress(k) + (hostBits == 0 ? 0 : rnd.nextInt(1 << hostBits));
    return ProgTestRun.tcpPacket(src, Ipv4.format(dst));
  }

  static long percentile(long[] xs, int p) {
    long[] s = xs.clone();
    Arrays.sort(s);
    int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, i))];
  }

  static String ms(long nanos) {
    return String.format(Locale.ROOT, nanos < 10_000_000 ? "%.2f" : "%.0f", nanos / 1e6);
  }

  private static String row(String what, long nanos) {
    return "| " + what + " | " + ms(nanos) + " |\n";
  }
}

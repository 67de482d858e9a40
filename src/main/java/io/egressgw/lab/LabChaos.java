package io.egressgw.lab;

import io.egressgw.lab.LabInvariants.Bounds;
import io.egressgw.lab.LabInvariants.ProbeSample;
import io.egressgw.lab.LabInvariants.Verdict;
import io.egressgw.lab.LabPlan.LabNode;
import io.egressgw.lab.LabPlan.LabPod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code lab chaos}: injects faults into the running lab, one at a time or several at once (a mix,
 * {@code a+b}), cycle after cycle, each aimed at the node holding the egress IP, while {@link
 * LabMonitors} probe the outside world from the selected pods and ask who answers ARP for each
 * floating IP; {@link LabInvariants} judges every cycle. Prints a table (fault, cycles, worst
 * outage, breaches per invariant) and answers whether any invariant broke.
 *
 * <p>A cycle: wait until the lab is settled (controller ready, every node Up, every floating IP
 * placed and answered by exactly one MAC, every probed pod answered with the egress IP within the
 * last second), pick the egress IP's holder, inject, hold, heal, wait until settled again, watch
 * two more seconds. The cycle is judged from the injection to that end. Every wait is bounded.
 */
final class LabChaos {
  /**
   * The harness's settings (command line: --cycles, --faults, --outage-bound-ms, --settle-ms,
   * --connections).
   *
   * @param connections open connections carried across each fault (0: none)
   */
  record Settings(int cycles, List<List<LabFault>> mixes, Bounds bounds, int connections) {
    static final List<List<LabFault>> ALL =
        List.of(
            List.of(LabFault.HOLDER_DEATH),
            List.of(LabFault.AGENT_KILL),
            List.of(LabFault.AGENT_STOP),
            List.of(LabFault.CONTROLLER_RESTART),
            List.of(LabFault.CONTROLLER_STOP),
            List.of(LabFault.CONTROLLER_OUTAGE),
            List.of(LabFault.API_OUTAGE),
            List.of(LabFault.PARTITION),
            List.of(LabFault.LAN_CUT),
            List.of(LabFault.LAN_CUT, LabFault.AGENT_KILL),
            List.of(LabFault.AGENT_STOP, LabFault.CONTROLLER_RESTART));

    @SuppressWarnings("IncrementInForLoopAndHeader") // an option consumes its value: i += 1
    static Settings parse(List<String> args) {
      int cycles = 3;
      List<List<LabFault>> mixes = ALL;
      Duration outage = Duration.ofSeconds(1);
      Duration settle = Duration.ofSeconds(1);
      int connections = 0;
      for (int i = 0; i < args.size(); i++) {
        String value = i + 1 < args.size() ? args.get(i + 1) : "";
        switch (args.get(i)) {
          case "--cycles" -> cycles = Integer.parseInt(value);
          case "--faults" -> mixes = parseMixes(value);
          case "--outage-bound-ms" -> outage = Duration.ofMillis(Long.parseLong(value));
          case "--settle-ms" -> settle = Duration.ofMillis(Long.parseLong(value));
          case "--connections" -> connections = Integer.parseInt(value);
          default -> throw new IllegalArgumentException("unknown option " + args.get(i));
        }
        i++;
      }
      if (cycles < 1 || cycles > 1000) {
        throw new IllegalArgumentException("--cycles must be 1..1000");
      }
      if (connections < 0 || connections > 2000) {
        throw new IllegalArgumentException("--connections must be 0..2000");
      }
      return new Settings(cycles, mixes, new Bounds(settle, outage), connections);
    }

    /** "holder-death,agent-stop+controller-restart": comma between entries, plus within a mix. */
    static List<List<LabFault>> parseMixes(String text) {
      List<List<LabFault>> mixes = new ArrayList<>();
      for (String entry : text.split(",")) {
        List<LabFault> mix = new ArrayList<>();
        for (String label : entry.trim().split("\\+")) {
          mix.add(
              LabFault.byLabel(label.trim())
                  .orElseThrow(() -> new IllegalArgumentException("unknown fault " + label)));
        }
        mixes.add(List.copyOf(mix));
      }
      return List.copyOf(mixes);
    }
  }

  /** One table row: a fault (or mix) over its cycles. */
  record Row(
      String fault,
      int cycles,
      Duration worstOutage,
      int arpBreaches,
      int sourceBreaches,
      int outageBreaches,
      int unsettled,
      int moved,
      int connections,
      int brokenConnections,
      long podAddressPackets,
      List<String> notes) {
    /**
     * The invariants broken; each packet seen outside with a pod's own address counts as one
     * ("never the wrong source address").
     */
    long breaches() {
      return arpBreaches
          + sourceBreaches
          + outageBreaches
          + unsettled
          + moved
          + brokenConnections
          + podAddressPackets;
    }
  }

  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);

  private final Lab lab;
  private final Settings settings;
  private final List<LabPod> probed;
  private List<String> floatingIPs = List.of();

  LabChaos(Lab lab, Settings settings) {
    this.lab = lab;
    this.settings = settings;
    this.probed =
        lab.plan().pods().stream()
            .filter(p -> lab.expectedSource(p).equals(LabPlan.FLOATING_IP_1))
            .toList();
  }

  static String label(List<LabFault> mix) {
    return String.join("+", mix.stream().map(LabFault::label).toList());
  }

  /** Runs every cycle of every fault and answers one row per fault (or mix). */
  List<Row> run() throws Exception {
    long perCycle = 0;
    for (List<LabFault> mix : settings.mixes()) {
      long hold = mix.stream().mapToLong(f -> f.hold().toSeconds()).max().orElse(0);
      perCycle +=
          (hold + 2 * SETTLE_TIMEOUT.toSeconds() + 10 + (settings.connections() > 0 ? 20 : 0))
              * settings.cycles();
    }
    Duration maxRun = Duration.ofSeconds(Math.min(perCycle + 60, Duration.ofHours(6).toSeconds()));
    floatingIPs = List.copyOf(lab.floatingIPs().keySet());
    List<Row> rows = new ArrayList<>();
    try (LabMonitors monitors =
        LabMonitors.start(
            lab, probed, floatingIPs, Duration.ofMillis(25), Duration.ofMillis(100), maxRun)) {
      for (List<LabFault> mix : settings.mixes()) {
        rows.add(runFault(mix, monitors));
      }
    }
    return rows;
  }

  private Row runFault(List<LabFault> mix, LabMonitors monitors) throws Exception {
    String label = label(mix);
    long worst = 0;
    int arp = 0;
    int source = 0;
    int outage = 0;
    int unsettled = 0;
    int moved = 0;
    int connections = 0;
    int brokenConnections = 0;
    long podAddressPackets = 0;
    List<String> notes = new ArrayList<>();
    for (int cycle = 1; cycle <= settings.cycles(); cycle++) {
      if (!settled(monitors)) {
        unsettled++;
        notes.add("cycle " + cycle + ": the lab did not settle before the fault; skipped");
        continue;
      }
      LabNode target = lab.plan().node(lab.floatingIPs().get(LabPlan.FLOATING_IP_1)).orElseThrow();
      LabConnections open = openConnections(mix, target, cycle);
      LabLeakWatch leakWatch = LabLeakWatch.start(lab.plan());
      long start = System.nanoTime();
      String macBefore = arpOwnerAt(monitors.arp(), start);
      for (LabFault f : mix) {
        f.inject(lab, target);
      }
      sleep(mix.stream().map(LabFault::hold).max(Duration::compareTo).orElse(Duration.ZERO));
      Duration watch = Duration.ZERO;
      for (LabFault f : mix) {
        Duration d = f.beforeHeal(lab);
        watch = d.compareTo(watch) > 0 ? d : watch;
      }
      sleep(watch);
      for (LabFault f : mix) {
        f.heal(lab, target);
      }
      boolean settledAfter = settled(monitors);
      sleep(Duration.ofSeconds(2));
      String movedTo = null;
      if (mix.stream().allMatch(LabFault::movesNothing)) {
        movedTo = movedDuring(monitors, target, macBefore, start, System.nanoTime());
      }
      boolean movedByMistake = movedTo != null;
      if (movedByMistake) {
        moved++;
        notes.add(
            "cycle "
                + cycle
                + ": "
                + LabPlan.FLOATING_IP_1
                + " moved from "
                + target.name()
                + " ("
                + movedTo
                + "; a control-plane fault moves nothing)");
      }
      long end = System.nanoTime();

      Set<String> outagePods = new LinkedHashSet<>();
      boolean targetCut = mix.stream().anyMatch(LabFault::isolatesTargetsPods);
      for (LabPod p : probed) {
        if (!(targetCut && p.node().equals(target.name()))) {
          outagePods.add(p.namespace() + "/" + p.name());
        }
      }
      Verdict v =
          LabInvariants.judge(
              start,
              end,
              monitors.probes(),
              outagePods,
              LabPlan.FLOATING_IP_1,
              monitors.arp(),
              settings.bounds());
      worst = Math.max(worst, v.worstOutage().toNanos());
      arp += v.arpBreaches();
      source += v.sourceBreaches();
      // packet-exact: anything that reached the outside host with a pod's own address
      LabLeakWatch.Seen leaked = leakWatch.seen();
      podAddressPackets += leaked.packets();
      if (!leaked.none()) {
        notes.add("cycle " + cycle + ": left with a pod's address: " + leaked);
        System.out.println("         left with a pod's address: " + leaked);
      }
      outage += v.outageBreaches();
      if (!settledAfter) {
        unsettled++;
      }
      String kept = "";
      if (open != null) {
        LabFlows.Outcome o = open.finish();
        Map<String, String> broken = o.broken(LabPlan.FLOATING_IP_1);
        connections += o.flows().size();
        brokenConnections += broken.size();
        kept = "; " + open.report(o).replace("\n", "\n         ");
        if (!o.foreignSources(LabPlan.FLOATING_IP_1).isEmpty()) {
          source++;
          notes.add(
              "cycle "
                  + cycle
                  + ": connections seen outside from "
                  + o.foreignSources(LabPlan.FLOATING_IP_1));
        }
        for (Map.Entry<String, String> b : broken.entrySet()) {
          notes.add("cycle " + cycle + ": " + b.getKey() + " " + b.getValue());
        }
      }
      System.out.printf(
          "chaos: %-34s cycle %d/%d on %-8s outage %5d ms  breaches %d%s%s%n",
          label,
          cycle,
          settings.cycles(),
          target.name(),
          v.worstOutage().toMillis(),
          v.breaches() + (settledAfter ? 0 : 1) + (movedByMistake ? 1 : 0),
          (settledAfter ? "" : " (did not settle after the heal)")
              + (movedByMistake ? " (moved: " + movedTo + ")" : ""),
          kept);
      for (String n : v.notes()) {
        System.out.println("         " + n);
        notes.add("cycle " + cycle + " on " + target.name() + ": " + n);
      }
      if (!settledAfter) {
        notes.add("cycle " + cycle + ": the lab did not settle after the heal");
      }
      System.out.flush();
    }
    return new Row(
        label,
        settings.cycles(),
        Duration.ofNanos(worst),
        arp,
        source,
        outage,
        unsettled,
        moved,
        connections,
        brokenConnections,
        podAddressPackets,
        List.copyOf(notes));
  }

  /**
   * Opens the cycle's connections from the selected pods off the target (none unless {@code
   * --connections}), busy until a few seconds after the heal, and lets them settle for 2 s (their
   * state replicated to the standby) before the fault.
   */
  private LabConnections openConnections(List<LabFault> mix, LabNode target, int cycle)
      throws Exception {
    if (settings.connections() == 0) {
      return null;
    }
    long hold = mix.stream().mapToLong(f -> f.hold().toSeconds()).max().orElse(0);
    int seconds = (int) (2 + hold + 3 + 6);
    LabConnections open =
        LabConnections.open(
            lab,
            target.name(),
            settings.connections(),
            seconds,
            "chaos-" + label(mix).replace('+', '_') + "-" + cycle + "-" + System.nanoTime());
    Thread.sleep(2000);
    return open;
  }

  /**
   * Waits (bounded) until the controller is ready, every agent runs, every node is Up, every
   * floating IP has a holder, and every probed pod answered with the egress IP in the last second
   * with no failed probe in that second.
   */
  private boolean settled(LabMonitors monitors) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (lab.controllerAlive()
          && lab.plan().nodes().stream().allMatch(lab::agentAlive)
          && allUp(lab.nodeHealth())
          && lab.floatingIPs().size() == 3
          && probesGood(monitors.probes(), System.nanoTime())
          && oneArpOwnerEach(monitors.arp(), System.nanoTime())) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  private boolean allUp(Map<String, String> health) {
    return health.size() == lab.plan().nodes().size()
        && health.values().stream().allMatch("Up"::equals);
  }

  /**
   * Whether the latest ARP request for each floating IP, sent within the last second, was answered
   * by exactly one MAC: egress that works only from the router's ARP cache is not settled.
   */
  private boolean oneArpOwnerEach(List<LabInvariants.ArpSample> arp, long now) {
    long since = now - Duration.ofSeconds(1).toNanos();
    for (String ip : floatingIPs) {
      LabInvariants.ArpSample latest = null;
      for (LabInvariants.ArpSample a : arp) {
        if (a.ip().equals(ip) && (latest == null || a.nanos() > latest.nanos())) {
          latest = a;
        }
      }
      if (latest == null || latest.nanos() < since || latest.macs().size() != 1) {
        return false;
      }
    }
    return true;
  }

  private boolean probesGood(List<ProbeSample> probes, long now) {
    long since = now - Duration.ofSeconds(1).toNanos();
    for (LabPod p : probed) {
      String pod = p.namespace() + "/" + p.name();
      List<ProbeSample> recent =
          probes.stream().filter(s -> s.pod().equals(pod) && s.nanos() >= since).toList();
      if (recent.isEmpty()
          || !recent.stream().allMatch(s -> s.seen().equals(LabPlan.FLOATING_IP_1))) {
        return false;
      }
    }
    return true;
  }

  /** The one MAC that answered the latest ARP request for the egress IP before {@code at}. */
  private static String arpOwnerAt(List<LabInvariants.ArpSample> arp, long at) {
    LabInvariants.ArpSample latest = null;
    for (LabInvariants.ArpSample a : arp) {
      if (a.ip().equals(LabPlan.FLOATING_IP_1)
          && a.nanos() <= at
          && (latest == null || a.nanos() > latest.nanos())) {
        latest = a;
      }
    }
    return latest == null || latest.macs().size() != 1 ? null : latest.macs().iterator().next();
  }

  /**
   * How the egress IP moved off {@code target} between {@code from} and {@code to}, or null if it
   * did not: another MAC answered ARP for it at any moment (a move and a move back included), or
   * the group's status names another holder at the end. A status that cannot be read (the
   * controller still starting) after a few tries leaves the judgement to ARP alone.
   */
  private String movedDuring(
      LabMonitors monitors, LabNode target, String macBefore, long from, long to)
      throws InterruptedException {
    if (macBefore != null) {
      Set<String> others = new java.util.TreeSet<>();
      for (LabInvariants.ArpSample a : monitors.arp()) {
        if (a.ip().equals(LabPlan.FLOATING_IP_1) && a.nanos() >= from && a.nanos() <= to) {
          a.macs().stream().filter(m -> !m.equals(macBefore)).forEach(others::add);
        }
      }
      if (!others.isEmpty()) {
        return "ARP answered by " + others + " beside " + macBefore;
      }
    }
    for (int attempt = 0; attempt < 5; attempt++) {
      String holder = lab.floatingIPs().get(LabPlan.FLOATING_IP_1);
      if (holder != null) {
        return holder.equals(target.name()) ? null : "status names " + holder;
      }
      Thread.sleep(200);
    }
    return null;
  }

  private static void sleep(Duration d) throws InterruptedException {
    if (!d.isZero()) {
      Thread.sleep(d.toMillis());
    }
  }

  /** The table, as printed by {@code lab chaos} and pasted into BENCHMARKS.md. */
  static String table(List<Row> rows) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "%-34s %6s %12s %5s %6s %6s %9s %5s %11s %8s%n",
            "fault",
            "cycles",
            "worst outage",
            "ARP",
            "source",
            "outage",
            "unsettled",
            "moved",
            "conns kept",
            "pod addr"));
    for (Row r : rows) {
      s.append(
          String.format(
              "%-34s %6d %9d ms %5d %6d %6d %9d %5d %11s %8d%n",
              r.fault(),
              r.cycles(),
              r.worstOutage().toMillis(),
              r.arpBreaches(),
              r.sourceBreaches(),
              r.outageBreaches(),
              r.unsettled(),
              r.moved(),
              r.connections() == 0
                  ? "-"
                  : (r.connections() - r.brokenConnections()) + "/" + r.connections(),
              r.podAddressPackets()));
    }
    return s.toString();
  }
}

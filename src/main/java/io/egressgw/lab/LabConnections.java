package io.egressgw.lab;

import io.egressgw.lab.LabFlows.Flow;
import io.egressgw.lab.LabFlows.Outcome;
import io.egressgw.lab.LabPlan.LabPod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Open connections across a fault (issue 13): long-lived TCP connections and UDP flows from the
 * selected pods on nodes other than the one about to fail, to the lab's continuity listener outside
 * ({@link LabFlows}); afterwards, how many the fault kept. Used by {@code lab fail} and {@code lab
 * chaos --connections N}.
 */
final class LabConnections {
  /** The continuity listener's ports on the outside host (the echo service has its own). */
  static final LabFlows.Ports PORTS = new LabFlows.Ports(7992, 7991);

  private static final String LISTENER = "continuity-listener";

  private final Path listenerLog;
  private final int linesBefore;
  private final String prefix;
  private final List<LabPod> pods;
  private final List<Process> clients;
  private final List<Path> outputs;
  private final int seconds;
  private final LabLeakWatch leakWatch;
  private LabLeakWatch.Seen leaks;

  private LabConnections(
      Path listenerLog,
      int linesBefore,
      String prefix,
      List<LabPod> pods,
      List<Process> clients,
      List<Path> outputs,
      int seconds,
      LabLeakWatch leakWatch) {
    this.leakWatch = leakWatch;
    this.listenerLog = listenerLog;
    this.linesBefore = linesBefore;
    this.prefix = prefix;
    this.pods = pods;
    this.clients = clients;
    this.outputs = outputs;
    this.seconds = seconds;
  }

  /** How many of {@code connections} are UDP flows: a tenth, at least one per pod. */
  static int udpShare(int connections, int pods) {
    return Math.min(connections - pods, Math.max(pods, connections / 10));
  }

  /**
   * Opens {@code connections} flows (a tenth UDP) from the selected pods not on {@code avoidNode},
   * each busy (a message every 50 ms) for {@code seconds}; {@code name} tells this run's flows from
   * others' in the listener's log.
   *
   * @throws IllegalStateException when no selected pod runs elsewhere or the listener is not up
   */
  static LabConnections open(Lab lab, String avoidNode, int connections, int seconds, String name)
      throws IOException, InterruptedException {
    List<LabPod> pods =
        lab.plan().pods().stream()
            .filter(
                p ->
                    lab.expectedSource(p).equals(LabPlan.FLOATING_IP_1)
                        && !p.node().equals(avoidNode))
            .toList();
    if (pods.isEmpty()) {
      throw new IllegalStateException("no selected pod runs off " + avoidNode);
    }
    if (connections < 2 * pods.size()) {
      throw new IllegalArgumentException(
          "--connections must be at least " + 2 * pods.size() + " (a TCP and a UDP flow per pod)");
    }
    Path log = ensureListener(lab);
    LabLeakWatch watch = LabLeakWatch.start(lab.plan());
    int before = Files.exists(log) ? Files.readAllLines(log).size() : 0;
    int udp = udpShare(connections, pods.size());
    int tcp = connections - udp;
    List<Process> clients = new ArrayList<>();
    List<Path> outputs = new ArrayList<>();
    for (int i = 0; i < pods.size(); i++) {
      LabPod pod = pods.get(i);
      int podTcp = tcp / pods.size() + (i < tcp % pods.size() ? 1 : 0);
      int podUdp = udp / pods.size() + (i < udp % pods.size() ? 1 : 0);
      Path out = lab.dir().resolve(name + "-" + pod.namespace() + "-" + pod.name() + ".out");
      List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
      command.addAll(
          LabFlows.client(
              lab.plan().externalIP(),
              PORTS,
              name + "-" + pod.namespace() + "-" + pod.name(),
              podTcp,
              podUdp,
              seconds));
      clients.add(
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start());
      outputs.add(out);
    }
    return new LabConnections(log, before, name + "-", pods, clients, outputs, seconds, watch);
  }

  /** Starts the continuity listener in the outside host's namespace unless it runs. */
  private static Path ensureListener(Lab lab) throws IOException, InterruptedException {
    Path log = lab.dir().resolve(LISTENER + "-flows.log");
    if (!lab.processes().alive(LISTENER)) {
      lab.processes()
          .start(
              LISTENER,
              Optional.of(lab.plan().extNetns()),
              LabFlows.listener(log, lab.plan().externalIP(), PORTS));
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (Shell.run(
              Duration.ofSeconds(5),
              null,
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  lab.plan().extNetns(),
                  "sh",
                  "-c",
                  "ss -ltn | grep -q ':" + PORTS.tcp() + " '"))
          .ok()) {
        return log;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "the continuity listener did not start: " + lab.processes().log(LISTENER));
  }

  /** Waits for the clients (bounded) and answers what they and the listener saw. */
  Outcome finish() throws IOException, InterruptedException {
    List<Flow> flows = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      Process c = clients.get(i);
      if (!c.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
        c.destroyForcibly();
      }
      String out = Files.readString(outputs.get(i));
      try {
        flows.addAll(LabFlows.parse(out));
      } catch (IllegalStateException e) {
        LabPod pod = pods.get(i);
        throw new IllegalStateException(
            "the client in " + pod.namespace() + "/" + pod.name() + " failed: " + out, e);
      }
    }
    leaks = leakWatch.seen();
    return Outcome.of(
        flows, LabFlows.listenerLines(listenerLog, linesBefore), n -> n.startsWith(prefix));
  }

  /**
   * The packets that reached the outside host with a pod's own address while the connections ran
   * (from {@link #open} to {@link #finish}; null before the finish).
   */
  LabLeakWatch.Seen leaks() {
    return leaks;
  }

  /** {@link #report(Outcome, String)}, and the packets seen outside with a pod's address. */
  String report(Outcome o) {
    String r = report(o, LabPlan.FLOATING_IP_1);
    return leaks == null || leaks.none()
        ? r + "; no packet left with a pod's address"
        : r + "; LEFT WITH A POD'S ADDRESS: " + leaks;
  }

  /** One line: how many connections the fault kept, and the longest stall. */
  static String report(Outcome o, String floatingIp) {
    Map<String, String> broken = o.broken(floatingIp);
    long tcp = o.flows().stream().filter(f -> f.name().matches(".*-t\\d+")).count();
    long tcpBroken = broken.keySet().stream().filter(n -> n.matches(".*-t\\d+")).count();
    long udp = o.flows().size() - tcp;
    long udpBroken = broken.size() - tcpBroken;
    StringBuilder s =
        new StringBuilder(
            String.format(
                "kept %d of %d open connections (TCP %d of %d, UDP %d of %d); longest stall %d ms",
                o.flows().size() - broken.size(),
                o.flows().size(),
                tcp - tcpBroken,
                tcp,
                udp - udpBroken,
                udp,
                o.maxStallMillis()));
    if (!o.foreignSources(floatingIp).isEmpty()) {
      s.append("; SEEN OUTSIDE FROM ").append(o.foreignSources(floatingIp));
    }
    broken.entrySet().stream()
        .limit(5)
        .forEach(
            e -> s.append("\n  broken: ").append(e.getKey()).append(": ").append(e.getValue()));
    if (broken.size() > 5) {
      s.append("\n  ... and ").append(broken.size() - 5).append(" more");
    }
    return s.toString();
  }
}

package io.egressgw.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.lab.LabFlows.Outcome;
import io.egressgw.lab.LabPlan.LabPod;
import io.egressgw.netns.ContinuityFlows;
import io.egressgw.netns.RootRequirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Connections that survive (issue 13), with the real controller and real agents in the lab: long-
 * lived TCP connections and UDP flows from the selected pods on the nodes that do not hold
 * 192.168.1.100 keep their source address and port, see no reset and stall at most briefly across
 * (a) the holder's death (agent killed, link cut) and (b) a cordon of the holder. Replication runs
 * through the controller's relay on the authenticated agent channel. {@link
 * ConnectionContinuityWithoutReplicationE2E} runs (a) with replication switched off: there the
 * flows break, which shows the test can fail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectionContinuityE2E {
  static final String IP = LabPlan.FLOATING_IP_1;
  static final LabFlows.Ports PORTS = new LabFlows.Ports(7892, 7891);
  static final int TCP_PER_POD = 12;
  static final int UDP_PER_POD = 2;
  static final int SECONDS = 10;

  Lab lab;
  Path dir;

  /**
   * Agent options of this run (replication on by default). SNAT ports are allocated fully at
   * random, so that a flow keeps its port across a move only through its replicated entry, never by
   * conntrack's pick-up choosing the pod's port again.
   */
  List<String> agentOptions() {
    return List.of(FULLY_RANDOM_PORTS);
  }

  static final String FULLY_RANDOM_PORTS =
      "-Degressgw.agent.dataplane.snat-port-allocation=fully-random";

  @BeforeAll
  void up() throws Exception {
    RootRequirement.check();
    dir = Files.createTempDirectory("egw-continuity-e2e");
    lab = new Lab(dir, Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath());
    lab.agentOptions = agentOptions();
    assertThat(lab.up()).as("lab up (logs in %s)", dir).isZero();
    Path serverLog = dir.resolve("continuity-server.log");
    background.add(
        ContinuityFlows.start(
            lab.plan().extNetns(), LabFlows.listener(serverLog, lab.plan().externalIP(), PORTS)));
    ContinuityFlows.awaitListening(lab.plan().extNetns(), PORTS);
  }

  @AfterAll
  void down() {
    background.forEach(Process::destroyForcibly);
    if (lab != null) {
      lab.down();
    }
  }

  final List<Process> background = new ArrayList<>();

  static String flowPrefix(LabPod pod) {
    return pod.namespace() + "-" + pod.name();
  }

  /** Flows from the selected pods (leaving with IP) on nodes other than the holder. */
  record Run(
      List<LabPod> pods, List<Process> clients, int flows, Path serverLog, int serverLinesBefore) {}

  Run startFlows(String holder) throws Exception {
    List<LabPod> pods =
        lab.plan().pods().stream()
            .filter(p -> lab.expectedSource(p).equals(IP) && !p.node().equals(holder))
            .toList();
    assertThat(pods).as("selected pods off the holder %s", holder).isNotEmpty();
    int tcp = Math.max(TCP_PER_POD, (20 + pods.size() - 1) / pods.size());
    List<Process> clients = new ArrayList<>();
    Path log = dir.resolve("continuity-server.log");
    int before = Files.exists(log) ? Files.readAllLines(log).size() : 0;
    for (LabPod pod : pods) {
      Process client =
          ContinuityFlows.start(
              pod.netns(),
              LabFlows.client(
                  lab.plan().externalIP(), PORTS, flowPrefix(pod), tcp, UDP_PER_POD, SECONDS));
      background.add(client);
      clients.add(client);
    }
    return new Run(pods, clients, pods.size() * (tcp + UDP_PER_POD), log, before);
  }

  /** What the run's clients and the listener saw. */
  Outcome finish(Run run) throws Exception {
    List<LabFlows.Flow> flows = new ArrayList<>();
    for (int i = 0; i < run.clients().size(); i++) {
      LabPod pod = run.pods().get(i);
      flows.addAll(
          ContinuityFlows.summary(
              run.clients().get(i),
              SECONDS + 30,
              "the client of " + pod.namespace() + "/" + pod.name()));
    }
    return Outcome.of(
        flows,
        LabFlows.listenerLines(run.serverLog(), run.serverLinesBefore()),
        name -> run.pods().stream().anyMatch(p -> name.startsWith(flowPrefix(p) + "-")));
  }

  /** Waits until the standby of IP says it holds the IP's replicated state (or 10 s). */
  void settle() throws InterruptedException {
    Thread.sleep(3000);
  }

  @Test
  @Order(1)
  void flowsSurviveTheHoldersDeath() throws Exception {
    String holder = lab.floatingIPs().get(IP);
    Run run = startFlows(holder);
    settle();

    Lab.Failover f = lab.failAndMeasure(holder);

    Outcome o = finish(run);
    long failover = f.recovery().orElseThrow().toMillis();
    System.out.printf(
        "CONTINUITY death of %s: IP moved to %s, new connections again after %d ms; %s; %s%n",
        holder, f.after().get(IP), failover, o.stalls(), o.sources().size() + " flows seen");
    // the stall of a surviving flow is the failover itself, plus a client's 50 ms cadence
    ContinuityFlows.assertSurvived(o, IP, run.flows(), failover + 500);
    assertThat(lab.heal(holder)).isZero();
  }

  @Test
  @Order(2)
  void flowsSurviveACordonOfTheHolder() throws Exception {
    String holder = lab.floatingIPs().get(IP);
    Run run = startFlows(holder);
    settle();

    long t0 = System.nanoTime();
    lab.cordon(holder, true);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !holder.equals(lab.floatingIPs().get(IP)));
    long movedMillis = (System.nanoTime() - t0) / 1_000_000;

    Outcome o = finish(run);
    lab.cordon(holder, false);
    System.out.printf(
        "CONTINUITY cordon of %s: IP moved to %s after %d ms; %s%n",
        holder, lab.floatingIPs().get(IP), movedMillis, o.stalls());
    ContinuityFlows.assertSurvived(o, IP, run.flows(), CORDON_STALL_BOUND_MILLIS);
  }

  @Test
  @Order(3)
  void flowsSurviveAnUpgradeOfTheHoldersAgent() throws Exception {
    String holder = lab.floatingIPs().get(IP);
    LabPlan.LabNode node = lab.plan().node(holder).orElseThrow();
    Run run = startFlows(holder);
    settle();

    // an agent upgrade: SIGTERM, the agent reports draining, hands its IPs over, then exits
    long t0 = System.nanoTime();
    assertThat(lab.signalAgent(node, "TERM")).as("SIGTERM to the agent of %s", holder).isTrue();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !holder.equals(lab.floatingIPs().get(IP)));
    long movedMillis = (System.nanoTime() - t0) / 1_000_000;

    Outcome o = finish(run);
    System.out.printf(
        "CONTINUITY SIGTERM of the agent of %s: IP moved to %s after %d ms; %s%n",
        holder, lab.floatingIPs().get(IP), movedMillis, o.stalls());
    ContinuityFlows.assertSurvived(o, IP, run.flows(), CORDON_STALL_BOUND_MILLIS);
    assertThat(lab.heal(holder)).isZero();
  }

  /**
   * The target is under 100 ms; what the lab reaches on this machine is asserted with a margin (see
   * the report of issue 13 for the measured figures).
   */
  static final long CORDON_STALL_BOUND_MILLIS = 1000;
}

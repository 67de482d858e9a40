package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.EXT_IP;
import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressgw.lab.LabFlows;
import io.egressgw.lab.LabFlows.Outcome;
import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.ContinuityFlows;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.program.NodeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connections that survive a move of the floating IP (issue 13). Pod A on node 1 and pod C on node
 * 3 keep 20 TCP connections and 3 UDP flows each open through the holder, node 2, whose agent
 * replicates the conntrack entries of its SNATed flows to the standby, node 3. Pod C's flows are
 * the hard case: node 3 already holds them as flows it only forwards (no NAT binding), and an
 * answer that reaches node 3 after it took the IP must find the replicated entry, or node 3's stack
 * resets the connection. The outside listener sees every flow keep its source address and port and
 * no reset, across (a) the holder's death (agent killed, link cut) and (b) a planned hand-over with
 * the holder still up (node 3 takes the IP while node 2 still SNATs the flows steered to it). The
 * controller's relay is stood in for by the test, which carries the primary's batches to the
 * standby's agent. The agents allocate SNAT ports fully at random, so that a flow keeps its port
 * only through its replicated entry ({@link #withoutReplicationAPlannedHandOverBreaksFlows} is the
 * control).
 */
class ConntrackReplicationE2E {
  static final int EGRESS_ID = 13;
  static final String FLOATING_IP = "10.77.0.100";
  static final LabFlows.Ports PORTS = new LabFlows.Ports(7792, 7791);
  static final int TCP_FLOWS = 20;
  static final int UDP_FLOWS = 3;
  static final int SECONDS = 10;

  NetnsLab lab;
  Pod podA;
  Pod podC;
  final AgentProcess[] agents = new AgentProcess[4];
  Path logDir;
  final List<Long> lags = Collections.synchronizedList(new ArrayList<>());
  Thread relay;

  @BeforeEach
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(3);
    podA = lab.addPod(1, "pa");
    podC = lab.addPod(3, "pc");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    for (int n = 1; n <= 3; n++) {
      agents[n] =
          AgentProcess.start(
              lab,
              lab.node(n),
              lab.pinDir(n),
              logDir.resolve("agent-n" + n + ".log"),
              // every new flow gets a random source port: a flow keeps its port across the move
              // only through its replicated entry, never by conntrack's pick-up choosing the
              // pod's port again
              List.of("--replicate", "--snat-ports", "fully-random"));
    }
  }

  @AfterEach
  void tearDown() {
    if (relay != null) {
      relay.interrupt();
    }
    for (int n = 1; n <= 3; n++) {
      if (agents[n] != null) {
        agents[n].kill();
        agents[n] = null;
      }
    }
    if (lab != null) {
      lab.close();
    }
  }

  NodeProgram program(int n, int gateway, long generation) {
    // every node knows the selected pods: the gateway classifies the flows steered to it by source
    return new NodeProgram(
        "node" + n,
        generation,
        Map.of(podA.ip(), 1, podC.ip(), 1),
        Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(
                EGRESS_ID, "partner", FLOATING_IP, "node" + gateway, nodeIp(gateway))),
        n == gateway ? List.of(FLOATING_IP) : List.of(),
        List.of("203.0.113.0/24"));
  }

  /** Flows of pods A and C through node 2, replicated to node 3; the listener's log. */
  record Flows(List<Process> clients, Path listenerLog, long startedAtNanos) {
    /** The move happened while every client still ran, with seconds of traffic left after it. */
    void assertMovedMidRun() {
      long ranMillis = (System.nanoTime() - startedAtNanos) / 1_000_000;
      org.assertj.core.api.Assertions.assertThat(ranMillis)
          .as("the clients' time when the move was done")
          .isLessThan((SECONDS - 3) * 1000L);
      org.assertj.core.api.Assertions.assertThat(clients).allMatch(Process::isAlive);
    }
  }

  Flows startFlowsThroughNode2() throws Exception {
    return startFlowsThroughNode2(true);
  }

  /** Replicate false: the relay does not run (the standby learns nothing of the flows). */
  Flows startFlowsThroughNode2(boolean replicate) throws Exception {
    agents[2].apply(program(2, 2, 2));
    agents[1].apply(program(1, 2, 2));
    agents[3].apply(program(3, 2, 2));
    agents[3].standby(FLOATING_IP);
    Path log = logDir.resolve("listener.log");
    lab.track(ContinuityFlows.start(lab.ext(), LabFlows.listener(log, EXT_IP, PORTS)));
    ContinuityFlows.awaitListening(lab.ext(), PORTS);
    // the controller's relay, stood in for: the primary's batches go to the standby's agent
    AgentProcess primary = agents[2];
    AgentProcess standby = agents[3];
    relay =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                JsonNode batch = primary.nextReplication(1);
                if (batch != null) {
                  lags.add(standby.install(batch).path("lagMillis").asLong());
                }
              }
            },
            "relay");
    relay.setDaemon(true);
    if (replicate) {
      relay.start();
    }
    List<Process> clients = new ArrayList<>();
    long startedAt = System.nanoTime();
    for (Pod pod : List.of(podA, podC)) {
      Process client =
          ContinuityFlows.start(
              pod.netns(),
              LabFlows.client(EXT_IP, PORTS, pod.name(), TCP_FLOWS, UDP_FLOWS, SECONDS));
      lab.track(client);
      clients.add(client);
    }
    int flows = 2 * (TCP_FLOWS + UDP_FLOWS);
    if (!replicate) {
      Thread.sleep(3000);
      return new Flows(clients, log, startedAt);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                org.assertj.core.api.Assertions.assertThat(
                        agents[3].replication().path("replicated").asInt())
                    .as("entries replicated to node 3")
                    .isGreaterThanOrEqualTo(flows));
    Thread.sleep(1000);
    JsonNode standby3 = agents[3].replication();
    System.out.println("node 3 before the move: " + standby3);
    // the kernel took every replicated entry (before, a status without CONFIRMED got EBUSY for
    // each, and the flows survived only when conntrack's pick-up kept their port)
    org.assertj.core.api.Assertions.assertThat(standby3.path("failed").asLong())
        .as("replicated entries the kernel refused")
        .isZero();
    // pod A's flows are created on node 3; pod C's exist there already as node 3's own
    org.assertj.core.api.Assertions.assertThat(standby3.path("installed").asLong())
        .isGreaterThanOrEqualTo(TCP_FLOWS + UDP_FLOWS);
    return new Flows(clients, log, startedAt);
  }

  Outcome finish(Flows run, String what, long movedMillis) throws Exception {
    List<LabFlows.Flow> flows = new ArrayList<>();
    for (Process client : run.clients()) {
      flows.addAll(ContinuityFlows.summary(client, SECONDS + 20, "a pod's client"));
    }
    relay.interrupt();
    System.out.println("node 3 after the move: " + agents[3].replication());
    Outcome o =
        Outcome.of(
            flows,
            LabFlows.listenerLines(run.listenerLog(), 0),
            f -> f.startsWith(podA.name() + "-") || f.startsWith(podC.name() + "-"));
    System.out.println(
        what
            + ": replication lags(ms)="
            + lags
            + "; moved after "
            + movedMillis
            + " ms; "
            + o.stalls()
            + "\nclients: "
            + flows
            + "\nlistener:\n"
            + Files.readString(run.listenerLog()));
    return o;
  }

  @Test
  void everyFlowKeepsItsSourceAddressAndPortWhenTheHolderDies() throws Exception {
    Flows run = startFlowsThroughNode2();

    // node 2 dies: agent killed, link cut; the controller moves the IP to its standby
    long killedAt = System.nanoTime();
    agents[2].kill();
    agents[2] = null;
    Sh.mustIn(lab.sw(), "ip", "link", "set", "n2", "down");
    agents[3].apply(program(3, 3, 3));
    agents[1].apply(program(1, 3, 3));
    long movedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    run.assertMovedMidRun();

    Outcome o = finish(run, "holder death", movedMillis);
    // one source address and port per flow, the floating IP's; no reset, no error, answers after
    // the move; the stall is bounded by the client's run
    ContinuityFlows.assertSurvived(o, FLOATING_IP, 2 * (TCP_FLOWS + UDP_FLOWS), SECONDS * 1000L);
    assertTookOverEveryFlow();
  }

  @Test
  void everyFlowKeepsItsSourceAddressAndPortAcrossAPlannedHandOver() throws Exception {
    Flows run = startFlowsThroughNode2();

    // a cordon: the standby takes the IP first, while node 2 still SNATs the flows steered to it
    // and the listener's answers to them already go to node 3; then node 1 steers to node 3, and
    // node 2 lets the IP go
    long movedMillis = handOverToNode3();
    run.assertMovedMidRun();

    Outcome o = finish(run, "planned hand-over", movedMillis);
    ContinuityFlows.assertSurvived(o, FLOATING_IP, 2 * (TCP_FLOWS + UDP_FLOWS), SECONDS * 1000L);
    assertTookOverEveryFlow();
  }

  /**
   * A cordon's rollout order: node 3 (the standby) takes the IP first, then node 1 steers to it,
   * then node 2 lets the IP go; answers how long the three applies took (ms).
   */
  long handOverToNode3() throws Exception {
    long startedAt = System.nanoTime();
    agents[3].apply(program(3, 3, 3));
    agents[1].apply(program(1, 3, 3));
    agents[2].apply(program(2, 3, 3));
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
  }

  /**
   * Node 3 took over with the replicated entry of every flow: pod C's own forwarded entries were
   * replaced, and no flow was picked up mid-stream.
   */
  void assertTookOverEveryFlow() {
    JsonNode after = agents[3].replication();
    org.assertj.core.api.Assertions.assertThat(after.path("replaced").asLong())
        .as(
            "pod C's own forwarded entries replaced by the replicated ones, and only those: %s",
            after)
        .isEqualTo(TCP_FLOWS + UDP_FLOWS);
    org.assertj.core.api.Assertions.assertThat(after.path("unreplicatedAtTakeover").asLong())
        .as("TCP flows picked up mid-stream after the takeover: %s", after)
        .isZero();
  }

  /**
   * The control: the same hand-over without replication. Node 3 picks every TCP flow up mid-stream
   * and gives it a new random source port, so the listener sees the flows come from another port
   * (or reset). This shows that the checks above can fail.
   */
  @Test
  void withoutReplicationAPlannedHandOverBreaksFlows() throws Exception {
    Flows run = startFlowsThroughNode2(false);

    long movedMillis = handOverToNode3();
    run.assertMovedMidRun();

    Outcome o = finish(run, "planned hand-over without replication", movedMillis);
    long broken = o.broken(FLOATING_IP).size();
    JsonNode after = agents[3].replication();
    System.out.println(
        "without replication: " + broken + " of " + o.flows().size() + " broken; " + after);
    org.assertj.core.api.Assertions.assertThat(after.path("unreplicatedAtTakeover").asLong())
        .as("TCP flows picked up mid-stream")
        .isGreaterThanOrEqualTo(TCP_FLOWS);
    org.assertj.core.api.Assertions.assertThat(broken)
        .as("flows broken without replication")
        .isPositive();
  }
}

package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.EXT_IP;
import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.program.NodeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One owner per floating IP, enforced by the dataplane (issue 12): three nodes on one bridge, an
 * external host that asks (arping) who owns the floating IP, real agent processes with a 250 ms
 * lease. A holder whose agent died or was paused falls silent once its lease runs out and is not
 * revived by its own renewal; a holder that sees another host's gratuitous ARP for its IP yields at
 * once; the controller's latest word (a program, a confirmation) takes an IP back. Throughout, pod
 * A is seen outside as the floating IP or not at all, never with another address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FloatingIpOwnershipE2E {
  static final int EGRESS_ID = 9;
  static final String FLOATING_IP = "10.77.0.100";
  static final Duration LEASE = Duration.ofMillis(250);

  NetnsLab lab;
  Pod podA;
  final AgentProcess[] agents = new AgentProcess[4];
  long generation = 1;
  Path logDir;

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(3);
    podA = lab.addPod(1, "pa");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    for (int n = 1; n <= 3; n++) {
      agents[n] = startAgent(n);
    }
  }

  @AfterAll
  void tearDown() {
    for (AgentProcess a : agents) {
      if (a != null) {
        a.pause(false);
        a.kill();
      }
    }
    if (lab != null) {
      lab.close();
    }
  }

  AgentProcess startAgent(int n) {
    return AgentProcess.start(
        lab, lab.node(n), lab.pinDir(n), logDir.resolve("agent-n" + n + ".log"));
  }

  /** Every test starts from node 2 holding the IP, as the controller would program it. */
  @BeforeEach
  void gatewayOnNode2() {
    for (int n = 1; n <= 3; n++) {
      if (agents[n] == null) {
        agents[n] = startAgent(n);
      }
    }
    generation++;
    agents[2].apply(program(2, 2, generation, true));
    agents[1].apply(program(1, 2, generation, false));
    agents[3].apply(program(3, 2, generation, false));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> List.of(lab.mac(lab.node(2), "eth0")).equals(arpOwners()));
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));
  }

  /** Node n's program while {@code gateway} holds the egress; {@code holds}: n has the IP. */
  NodeProgram program(int n, int gateway, long gen, boolean holds) {
    Map<String, Integer> sources = new HashMap<>();
    if (podA.node() == n || n == gateway) {
      sources.put(podA.ip(), 1);
    }
    return new NodeProgram(
        "node" + n,
        gen,
        sources,
        Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(
                EGRESS_ID, "partner", FLOATING_IP, "node" + gateway, nodeIp(gateway))),
        holds ? List.of(FLOATING_IP) : List.of(),
        List.of("203.0.113.0/24"));
  }

  /** The MACs that answer ARP for the floating IP on the segment, asked from the outside. */
  List<String> arpOwners() {
    String out =
        Sh.run(10, Sh.inNetns(lab.ext(), "arping", "-c", "2", "-w", "2", "-i", "eth0", FLOATING_IP))
            .output();
    Matcher m =
        Pattern.compile("from ([0-9a-f]{2}(?::[0-9a-f]{2}){5})")
            .matcher(out.toLowerCase(Locale.ROOT));
    List<String> macs = new ArrayList<>();
    while (m.find()) {
      if (!macs.contains(m.group(1))) {
        macs.add(m.group(1));
      }
    }
    return macs;
  }

  /** Pod A is seen outside as the floating IP or not at all; returns what was seen. */
  String seenAsFloatingIpOrNothing() {
    String seen = lab.seenAs(podA, EXT_IP);
    assertTrue(seen == null || seen.equals(FLOATING_IP), "pod A seen as " + seen);
    return seen;
  }

  @Test
  void aHolderWhoseAgentDiedFallsSilentOnceItsLeaseRunsOut() throws Exception {
    agents[2].kill();
    agents[2] = null;
    Thread.sleep(LEASE.multipliedBy(3).toMillis());

    assertEquals(List.of(), arpOwners(), "nobody may answer for an IP whose holder's agent died");
    assertEquals(null, seenAsFloatingIpOrNothing(), "node 2 must not send from the lapsed IP");

    // a new agent process on node 2 and the controller's program again: node 2 owns it again
    agents[2] = startAgent(2);
    assertEquals(
        "LAPSED", leaseOf(agents[2]), "a restarted agent does not revive the lease by itself");
    agents[2].apply(program(2, 2, generation, true));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> List.of(lab.mac(lab.node(2), "eth0")).equals(arpOwners()));
    assertEquals(FLOATING_IP, seenAsFloatingIpOrNothing());
  }

  @Test
  void aPausedHolderIsNotRevivedByItsOwnRenewalOnlyByTheController() throws Exception {
    agents[2].pause(true);
    try {
      Thread.sleep(LEASE.multipliedBy(3).toMillis());
      assertEquals(List.of(), arpOwners(), "a paused agent's node must fall silent");
    } finally {
      agents[2].pause(false);
    }
    Thread.sleep(LEASE.multipliedBy(2).toMillis()); // renewals ran again: they must not revive

    assertEquals(List.of(), arpOwners(), "renewal revived a lapsed lease");
    assertEquals(null, seenAsFloatingIpOrNothing());

    assertEquals(List.of(FLOATING_IP), asList(agents[2].confirm()));
    assertEquals(List.of(lab.mac(lab.node(2), "eth0")), arpOwners());
    assertEquals(FLOATING_IP, seenAsFloatingIpOrNothing());
  }

  /**
   * Fail static through a stall: the holder's agent stalls past its lease (CPU starvation, a GC
   * pause; SIGSTOP here) while no controller answers (a controller restart). The node falls silent;
   * a heartbeat sent before the stall that failed takes nothing back (a paused agent's in-flight
   * heartbeat), one sent after it does: nobody else claimed the IP, so no node can hold it.
   */
  @Test
  void aHolderThatStalledWhileNoControllerAnswersTakesItsIpBackAtTheNextFailedHeartbeat()
      throws Exception {
    long lapsesBefore = agents[2].unanswered(0).path("leaseLapses").asLong();
    agents[2].pause(true);
    long pausedAt = System.nanoTime();
    try {
      Thread.sleep(LEASE.multipliedBy(3).toMillis());
      assertEquals(List.of(), arpOwners(), "a stalled agent's node must fall silent");
    } finally {
      agents[2].pause(false);
    }
    // a heartbeat sent before the pause (in flight through it) that failed takes nothing back;
    // the renewal thread, running again, counts the lapse once
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              JsonNode inFlight =
                  agents[2].unanswered((System.nanoTime() - pausedAt) / 1_000_000L + 50);
              assertEquals(List.of(), asList(inFlight.path("taken")), "sent before the lapse");
              return inFlight.path("leaseLapses").asLong() == lapsesBefore + 1;
            });
    assertEquals(List.of(), arpOwners());

    assertEquals(List.of(FLOATING_IP), asList(agents[2].unanswered(0).path("taken")));
    assertEquals(List.of(lab.mac(lab.node(2), "eth0")), arpOwners());
    assertEquals(FLOATING_IP, seenAsFloatingIpOrNothing());
  }

  /**
   * The other half: while node 2's agent was stalled, the controller moved the IP to node 3, which
   * announced it. Node 2's failed heartbeats take nothing: the claim it recorded says another host
   * holds it. One owner.
   */
  @Test
  void aStalledHolderWhoseIpAnotherNodeTookKeepsSilentWhenNoControllerAnswers() throws Exception {
    String mac3 = lab.mac(lab.node(3), "eth0");
    moveTheIpToNode3WhileNode2Stalls(() -> {}, () -> {});
    assertEquals(List.of(), asList(agents[2].unanswered(0).path("taken")));
    assertEquals(List.of(mac3), arpOwners(), "only the node the controller chose answers");
    assertEquals(FLOATING_IP, seenAsFloatingIpOrNothing());
    backFromNode3();
  }

  /**
   * Node 2's agent stalls (SIGSTOP) past its lease while the controller moves the IP to node 3;
   * {@code afterPause} runs once it is paused, {@code beforeResume} before it runs again.
   */
  void moveTheIpToNode3WhileNode2Stalls(Runnable afterPause, Runnable beforeResume)
      throws InterruptedException {
    agents[2].pause(true);
    try {
      afterPause.run();
      Thread.sleep(LEASE.multipliedBy(2).toMillis());
      generation++;
      agents[3].apply(program(3, 3, generation, true));
      agents[1].apply(program(1, 3, generation, false));
    } finally {
      beforeResume.run();
      agents[2].pause(false);
    }
  }

  /** Back to the usual start after a test that moved the IP to node 3: node 2 holds it next. */
  void backFromNode3() {
    agents[2].apply(program(2, 3, generation, false));
    agents[3].apply(program(3, 2, ++generation, false));
  }

  /**
   * The new holder's announcement lost (node 2's port on the segment down while node 3 took the IP,
   * as a frozen VM or a dropped frame would lose it): node 2, stalled meanwhile, has no claim on
   * record. Without a controller it asks first (an ARP probe); node 3 answers, and node 2 stays
   * silent. Taking the IP back unasked would have made node 3, the controller's choice, yield to
   * node 2's announcement (a cold review's finding).
   */
  @Test
  void aStalledHolderThatMissedTheNewHoldersAnnouncementAsksBeforeTakingItsIpBack()
      throws Exception {
    String mac3 = lab.mac(lab.node(3), "eth0");
    String port = "n2"; // node 2's port on the segment's bridge
    moveTheIpToNode3WhileNode2Stalls(
        () -> Sh.mustIn(lab.sw(), "ip", "link", "set", port, "down"),
        () -> Sh.mustIn(lab.sw(), "ip", "link", "set", port, "up"));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !agents[2].report().path("uplinkDown").asBoolean(true));
    assertEquals("LAPSED", leaseOf(agents[2]), "node 2 must not have seen node 3's announcement");

    assertEquals(List.of(), asList(agents[2].unanswered(0).path("taken")), "node 3 answers");

    assertEquals(mac3, agents[2].report().path("floatingIpClaims").path(FLOATING_IP).asText());
    assertEquals(List.of(mac3), arpOwners(), "only the node the controller chose answers");
    assertEquals(FLOATING_IP, seenAsFloatingIpOrNothing());
    backFromNode3();
  }

  /**
   * Fail static across an agent restart while no controller answers (issue 12: "an agent restarted
   * without a controller restores its pinned state instead of applying an empty program"): node 2's
   * agent is killed and started again, and no program comes. Its IP falls silent (the lease lapsed
   * during the restart) and pod A, steered there by its pinned sources and routes, is seen as
   * nothing, never as a node's address; the first failed heartbeat takes the IP back (nobody
   * claimed it, nobody answers the probe), on the program read back from the pinned maps.
   */
  @Test
  void anAgentRestartedWhileNoControllerAnswersKeepsItsPinnedStateAndTakesItsIpBack()
      throws Exception {
    agents[2].kill();
    agents[2] = startAgent(2);
    assertEquals("LAPSED", leaseOf(agents[2]), "the lease ran out during the restart");
    assertEquals(List.of(), arpOwners(), "nobody answers for a lapsed IP");
    assertEquals(null, seenAsFloatingIpOrNothing(), "pod A fails closed, not open");

    assertEquals(List.of(FLOATING_IP), asList(agents[2].unanswered(0).path("taken")));

    assertEquals(List.of(lab.mac(lab.node(2), "eth0")), arpOwners());
    assertEquals(FLOATING_IP, seenAsFloatingIpOrNothing());
    assertEquals(
        generation,
        agents[2].report().path("appliedGeneration").asLong(),
        "the restarted agent kept its pinned program's generation");
  }

  @Test
  void aHolderYieldsAtOnceWhenAnotherNodeAnnouncesItsIp() {
    String mac2 = lab.mac(lab.node(2), "eth0");
    String mac3 = lab.mac(lab.node(3), "eth0");
    // node 3 is given the IP while node 2 is not told (partitioned from the controller)
    generation++;
    agents[3].apply(program(3, 3, generation, true));

    await().atMost(Duration.ofSeconds(5)).until(() -> "YIELDED".equals(leaseOf(agents[2])));
    assertEquals(mac3, agents[2].report().path("floatingIpClaims").path(FLOATING_IP).asText());
    assertEquals(List.of(mac3), arpOwners(), "only the new holder may answer");
    // node 2's renewals and a confirmation of its old program do not take it back
    assertEquals(List.of(), asList(agents[2].confirm()));
    assertEquals(List.of(mac3), arpOwners());

    // the controller's latest word gives it back to node 2: node 2 announces, node 3 yields
    generation++;
    agents[2].apply(program(2, 2, generation, true));
    await().atMost(Duration.ofSeconds(5)).until(() -> "YIELDED".equals(leaseOf(agents[3])));
    assertEquals(List.of(mac2), arpOwners());
    agents[3].apply(program(3, 2, generation, false));
    assertEquals(0, agents[3].report().path("heldFloatingIPs").size());
  }

  @Test
  void aStaleProgramOnTheOldHolderLeavesNoOwnerUntilTheAssignedHolderReclaims() {
    String mac2 = lab.mac(lab.node(2), "eth0");
    String mac3 = lab.mac(lab.node(3), "eth0");
    // The controller moves the IP to node 3 while node 2 is cut off: node 2 yields to node 3.
    generation++;
    agents[3].apply(program(3, 3, generation, true));
    await().atMost(Duration.ofSeconds(5)).until(() -> "YIELDED".equals(leaseOf(agents[2])));

    // Node 2 catches up through a program published before the move: it takes the IP back,
    // node 3 yields; then node 2's next program drops the IP.
    agents[2].apply(program(2, 2, generation + 1, true));
    await().atMost(Duration.ofSeconds(5)).until(() -> "YIELDED".equals(leaseOf(agents[3])));
    assertEquals(mac2, agents[3].report().path("floatingIpClaims").path(FLOATING_IP).asText());
    generation += 2;
    agents[2].apply(program(2, 3, generation, false));
    assertEquals(
        List.of(),
        arpOwners(),
        "the review's finding: the assigned holder stays yielded, no owner");

    // The controller answers node 3's heartbeat (it reports the claim, the IP is assigned to it)
    // with reclaim: node 3 takes it again, on its current program.
    assertEquals(List.of(FLOATING_IP), asList(agents[3].reclaim(FLOATING_IP)));

    assertEquals(List.of(mac3), arpOwners());
    agents[1].apply(program(1, 3, generation, false)); // pod A's node steers to node 3 now
    assertEquals(FLOATING_IP, seenAsFloatingIpOrNothing());
    // A reclaim of an IP its program does not list takes nothing (node 2 now).
    assertEquals(List.of(), asList(agents[2].reclaim(FLOATING_IP)));
    assertEquals(List.of(mac3), arpOwners());
  }

  @Test
  void aNodeCutFromTheSegmentReportsItsUplinkDownUntilTheLinkIsBack() {
    assertEquals(false, agents[2].report().path("uplinkDown").asBoolean(true));
    String port = "n2"; // node 2's port on the segment's bridge
    Sh.mustIn(lab.sw(), "ip", "link", "set", port, "down");
    try {
      // the carrier loss arrives as a link event: reported at once, not at the next pass
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> agents[2].report().path("uplinkDown").asBoolean(false));
      assertEquals(false, agents[3].report().path("uplinkDown").asBoolean(true));
    } finally {
      Sh.mustIn(lab.sw(), "ip", "link", "set", port, "up");
    }
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> !agents[2].report().path("uplinkDown").asBoolean(true));
  }

  static String leaseOf(AgentProcess agent) {
    return agent.report().path("leases").path(FLOATING_IP).asText();
  }

  static List<String> asList(com.fasterxml.jackson.databind.JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}

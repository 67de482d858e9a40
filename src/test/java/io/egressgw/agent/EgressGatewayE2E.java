package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.EXT_IP;
import static io.egressgw.netns.NetnsLab.EXT_OTHER_IP;
import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.program.NodeProgram;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The egress dataplane end to end: three nodes on one bridge, pods behind them, an external host,
 * real agent processes ({@link DataplaneCli}) in the node namespaces and real TCP traffic.
 *
 * <p>Policy "partner": pods A (node 1) and C (node 2) to 203.0.113.0/24 leave with floating IP
 * 10.77.0.100; pod B (node 1) is not selected (known to node 1 with rule set 0). Every node guards
 * 203.0.113.0/24: a pod its node does not know yet cannot reach it. Each test first applies the
 * programs it needs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EgressGatewayE2E {
  static final int EGRESS_ID = 7;
  static final int RULE_SET = 1;
  static final String FLOATING_IP = "10.77.0.100";
  static final String POLICY = "partner";
  static final List<String> GUARDED = List.of("203.0.113.0/24");

  NetnsLab lab;
  Pod podA;
  Pod podB;
  Pod podC;
  final AgentProcess[] agents = new AgentProcess[4];
  long generation = 1;
  Path logDir;

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(3);
    podA = lab.addPod(1, "pa");
    podB = lab.addPod(1, "pb");
    podC = lab.addPod(2, "pc");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    for (int n = 1; n <= 3; n++) {
      agents[n] = startAgent(n);
    }
  }

  @AfterAll
  void tearDown() {
    for (AgentProcess a : agents) {
      if (a != null) {
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

  /** What the policy compiler would send node n while node gateway holds the floating IP. */
  NodeProgram program(int n, int gateway, long gen) {
    Map<String, Integer> sources = new HashMap<>();
    for (Pod selected : List.of(podA, podC)) {
      if (selected.node() == n || n == gateway) {
        sources.put(selected.ip(), RULE_SET);
      }
    }
    if (podB.node() == n) {
      sources.put(podB.ip(), 0); // known, not selected
    }
    return new NodeProgram(
        "node" + n,
        gen,
        sources,
        Map.of(RULE_SET, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(
                EGRESS_ID, POLICY, FLOATING_IP, "node" + gateway, nodeIp(gateway))),
        n == gateway ? List.of(FLOATING_IP) : List.of(),
        GUARDED);
  }

  /** Applies the programs for this gateway, the new holder first (as the controller orders it). */
  void gatewayOn(int gateway) {
    generation++;
    agents[gateway].apply(program(gateway, gateway, generation));
    for (int n = 1; n <= 3; n++) {
      if (n != gateway) {
        agents[n].apply(program(n, gateway, generation));
      }
    }
  }

  @Test
  @Order(1)
  void selectedPodsLeaveWithTheFloatingIp() {
    gatewayOn(2);

    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP), "pod A on node 1, steered to node 2");
    assertEquals(FLOATING_IP, lab.seenAs(podC, EXT_IP), "pod C on the gateway node itself");
    // steering keeps the pod's address up to the gateway, where the SNAT happens
    String ct = lab.conntrack(lab.node(2), podA.ip());
    assertTrue(
        ct.contains("dport=" + NetnsLab.PORT_WHOAMI) && ct.contains("dst=" + FLOATING_IP), ct);
  }

  @Test
  @Order(2)
  void unselectedTrafficLeavesWithItsNodeIp() {
    gatewayOn(2);

    assertEquals(nodeIp(1), lab.seenAs(podB, EXT_IP), "pod B is not selected");
    assertEquals(nodeIp(1), lab.seenAs(podA, EXT_OTHER_IP), "pod A outside the policy's CIDRs");
  }

  @Test
  @Order(3)
  void repliesReachThePodAndAreCounted() throws Exception {
    gatewayOn(2);
    long before = packets(agents[1].report());

    try (EchoSession s = EchoSession.open(lab, podA)) {
      assertEquals(FLOATING_IP, s.greeting());
      for (int i = 0; i < 5; i++) {
        assertEquals("hello-" + i, s.roundTrip("hello-" + i));
      }
    }

    assertTrue(packets(agents[1].report()) > before, "steered by node 1");
    assertTrue(packets(agents[2].report()) > 0, "SNATed by node 2");
    // the same program again: nothing to change
    ApplyResult r1 = agents[1].apply(program(1, 2, generation));
    assertTrue(r1.changedNothing(), r1.toString());
    ApplyResult r2 = agents[2].apply(program(2, 2, generation));
    assertTrue(r2.changedNothing(), r2.toString());
  }

  @Test
  @Order(4)
  void movingTheFloatingIpKeepsNewConnectionsWorking() {
    gatewayOn(2);
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));

    gatewayOn(3);

    assertTrue(agents[3].report().path("heldFloatingIPs").toString().contains(FLOATING_IP));
    assertEquals(0, agents[2].report().path("heldFloatingIPs").size());
    Sh.mustIn(lab.node(3), "conntrack", "-F");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> FLOATING_IP.equals(lab.seenAs(podA, EXT_IP)));
    assertEquals(FLOATING_IP, lab.seenAs(podC, EXT_IP), "pod C now steered from node 2 to node 3");
    String ct3 = lab.conntrack(lab.node(3), podA.ip());
    assertTrue(ct3.contains("dst=" + FLOATING_IP), ct3);
    // only the new holder answers ARP for the floating IP
    String arping =
        Sh.run(15, Sh.inNetns(lab.ext(), "arping", "-c", "3", "-w", "5", "-i", "eth0", FLOATING_IP))
            .output();
    String newHolder = lab.mac(lab.node(3), "eth0");
    assertTrue(
        macsIn(arping).stream().allMatch(newHolder::equals),
        "only " + newHolder + " may answer:\n" + arping);
  }

  @Test
  @Order(5)
  void restartingAgentsKeepsEstablishedConnections() throws Exception {
    gatewayOn(2);
    try (EchoSession s = EchoSession.open(lab, podA)) {
      assertEquals(FLOATING_IP, s.greeting());
      assertEquals("before", s.roundTrip("before"));

      // a steering node's agent dies: its dataplane keeps steering (fail static)
      agents[1].kill();
      assertEquals("while-down", s.roundTrip("while-down"));
      // the holder's agent dies too: its floating IP falls silent once the lease runs out (one
      // owner per IP, see FloatingIpOwnershipE2E), and the connection waits for the restart
      agents[2].kill();

      agents[1] = startAgent(1);
      agents[2] = startAgent(2);
      assertEquals(generation, agents[1].readyReport().path("appliedGeneration").asLong());
      ApplyResult again1 = agents[1].apply(program(1, 2, generation));
      ApplyResult again2 = agents[2].apply(program(2, 2, generation));

      assertEquals(0, again1.mapWrites(), again1.toString());
      assertEquals(0, again2.mapWrites(), again2.toString());
      assertEquals(0, again1.nftChanges() + again1.addressChanges(), again1.toString());
      assertEquals(0, again2.nftChanges() + again2.addressChanges(), again2.toString());
      assertEquals("after", s.roundTrip("after"));
    }
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));
  }

  @Test
  @Order(6)
  void forwardDropOnThePodsNodeStopsTrafficBeforeTheGateway() {
    gatewayOn(2);
    Sh.mustIn(lab.node(2), "conntrack", "-F");
    Sh.Result block =
        Sh.runWithInput(
            10,
            "table ip netpol {\n"
                + " chain forward {\n"
                + "  type filter hook forward priority 0; policy accept;\n"
                + "  ip saddr "
                + podA.ip()
                + " drop\n }\n}\n",
            Sh.inNetns(lab.node(1), "nft", "-f", "-"));
    assertTrue(block.ok(), block.output());
    long countedBefore = packets(agents[1].report());
    try {
      assertNull(lab.seenAs(podA, EXT_IP), "network policy drops pod A on its node");
      assertEquals(
          countedBefore, packets(agents[1].report()), "dropped packets are not counted as steered");
      String gw = lab.conntrack(lab.node(2), podA.ip());
      assertFalse(gw.contains("src=" + podA.ip()), gw);
    } finally {
      Sh.mustIn(lab.node(1), "nft", "delete", "table", "ip", "netpol");
    }
    // control: without the drop the same connection reaches the gateway
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));
    String gwAfter = lab.conntrack(lab.node(2), podA.ip());
    assertTrue(gwAfter.contains("src=" + podA.ip()), gwAfter);
  }

  @Test
  @Order(7)
  void reportsNodeAddressSubnetsAndHeldFloatingIps() {
    gatewayOn(2);

    JsonNode gateway = agents[2].report();
    JsonNode other = agents[1].report();

    assertEquals(nodeIp(2), gateway.path("nodeIP").asText());
    assertEquals(
        "[\"" + nodeIp(2) + "/24\"]",
        gateway.path("subnets").toString(),
        "no lo, pod veths or floating IPs");
    assertEquals("[\"" + FLOATING_IP + "\"]", gateway.path("heldFloatingIPs").toString());
    assertEquals("[\"" + nodeIp(1) + "/24\"]", other.path("subnets").toString());
    assertEquals(0, other.path("heldFloatingIPs").size());
    assertEquals(generation, other.path("appliedGeneration").asLong());
  }

  @Test
  @Order(8)
  void aPodItsNodeIsNotProgrammedForYetCannotLeaveWithTheWrongSourceIp() {
    gatewayOn(2);
    Pod late = lab.addPod(1, "pd");
    // counts what reaches the external host's guarded address from node 1's own address (whoami
    // port)
    Sh.Result counter =
        Sh.runWithInput(
            10,
            "table ip egwtest {\n"
                + " chain input {\n"
                + "  type filter hook input priority 0; policy accept;\n"
                + "  ip saddr "
                + nodeIp(1)
                + " ip daddr "
                + EXT_IP
                + " tcp dport "
                + NetnsLab.PORT_WHOAMI
                + " counter\n }\n}\n",
            Sh.inNetns(lab.ext(), "nft", "-f", "-"));
    assertTrue(counter.ok(), counter.output());

    // the agent's interface scan (every second) attaches the classifier to the new veth
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Sh.run(
                        5,
                        Sh.inNetns(
                            lab.node(1), "tc", "filter", "show", "dev", late.name(), "ingress"))
                    .output()
                    .contains("egw_classify"));
    long dropsBefore = agents[1].report().path("guardDrops").asLong();

    assertNull(
        lab.seenAs(late, EXT_IP),
        "not in node 1's program yet: no connection to a guarded destination");
    assertEquals(
        0, packetsFromNode1AtExt(), "the external host never saw node 1's address from it");
    assertTrue(
        agents[1].report().path("guardDrops").asLong() > dropsBefore, "counted as guard drops");
    assertEquals(
        nodeIp(1), lab.seenAs(late, EXT_OTHER_IP), "unguarded destinations are unaffected");
    // control: the counter does see node 1's address (known unselected pod B, masqueraded)
    assertEquals(nodeIp(1), lab.seenAs(podB, EXT_IP), "known, not selected: not guarded");
    assertTrue(packetsFromNode1AtExt() > 0, "the counter counts");
    Sh.mustIn(lab.ext(), "nft", "delete", "table", "ip", "egwtest");

    generation++;
    NodeProgram n1 = program(1, 2, generation);
    NodeProgram n2 = program(2, 2, generation);
    Map<String, Integer> s1 = new HashMap<>(n1.sources());
    s1.put(late.ip(), RULE_SET);
    Map<String, Integer> s2 = new HashMap<>(n2.sources());
    s2.put(late.ip(), RULE_SET);
    agents[2].apply(
        new NodeProgram(
            n2.node(), generation, s2, n2.ruleSets(), n2.egresses(), n2.floatingIPs(), GUARDED));
    ApplyResult r =
        agents[1].apply(
            new NodeProgram(
                n1.node(),
                generation,
                s1,
                n1.ruleSets(),
                n1.egresses(),
                n1.floatingIPs(),
                GUARDED));

    assertEquals(1, r.mapWrites(), "one new source: " + r);
    assertEquals(
        FLOATING_IP, lab.seenAs(late, EXT_IP), "programmed: selected, seen with the floating IP");
  }

  long packetsFromNode1AtExt() {
    Matcher m =
        Pattern.compile("counter packets (\\d+)")
            .matcher(Sh.mustIn(lab.ext(), "nft", "list", "table", "ip", "egwtest"));
    assertTrue(m.find(), "counter in table egwtest");
    return Long.parseLong(m.group(1));
  }

  @Test
  @Order(9)
  void egressWithoutGatewayFailsClosed() {
    gatewayOn(2);
    generation++;
    for (int n = 1; n <= 3; n++) {
      NodeProgram p = program(n, 2, generation);
      agents[n].apply(
          new NodeProgram(
              p.node(),
              generation,
              p.sources(),
              p.ruleSets(),
              Map.of(EGRESS_ID, new NodeProgram.Egress(EGRESS_ID, POLICY, FLOATING_IP, null, null)),
              List.of(),
              GUARDED));
    }

    assertNull(lab.seenAs(podA, EXT_IP), "selected traffic must not leave with the node's address");
    assertNull(lab.seenAs(podC, EXT_IP));
    assertEquals(nodeIp(1), lab.seenAs(podB, EXT_IP), "unselected traffic is unaffected");
    assertEquals(0, agents[2].report().path("heldFloatingIPs").size());
  }

  @Test
  @Order(10)
  void anInvalidProgramIsRejectedAndTheLastOneStays() {
    gatewayOn(2);
    long applied = generation;
    NodeProgram p = program(1, 2, applied + 1);
    NodeProgram invalid =
        new NodeProgram(
            p.node(),
            applied + 1,
            p.sources(),
            p.ruleSets(),
            Map.of(70000, new NodeProgram.Egress(70000, POLICY, FLOATING_IP, "node2", nodeIp(2))),
            List.of());

    IllegalStateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> agents[1].apply(invalid));

    assertTrue(e.getMessage().contains("70000"), e.getMessage());
    assertEquals(applied, agents[1].report().path("appliedGeneration").asLong());
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));
  }

  @Test
  @Order(11)
  void repliesOfInboundConnectionsAreNotSteered() throws Exception {
    gatewayOn(2);
    // a client in the policy's CIDR connects into selected pod A: the pod's answers are replies,
    // not
    // new egress traffic, and must come back from the pod's address, not from the floating IP
    lab.startProcess(
        podA.netns(),
        "socat",
        "TCP-LISTEN:7000,fork,reuseaddr",
        "SYSTEM:echo $SOCAT_PEERADDR; exec cat");
    Sh.mustIn(lab.ext(), "ip", "route", "add", "10.244.1.0/24", "via", nodeIp(1));
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  Sh.run(5, Sh.inNetns(podA.netns(), "sh", "-c", "ss -ltn | grep -q ':7000 '"))
                      .ok());
      Process client =
          new ProcessBuilder(
                  Sh.inNetns(
                      lab.ext(),
                      "socat",
                      "-",
                      "TCP:" + podA.ip() + ":7000,bind=" + EXT_IP + ",connect-timeout=3"))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      lab.track(client);
      try (EchoSession s = new EchoSession(client)) {
        assertEquals(EXT_IP, s.greeting(), "the pod saw the client's own address");
        assertEquals("inbound", s.roundTrip("inbound"));
      }
    } finally {
      Sh.mustIn(lab.ext(), "ip", "route", "del", "10.244.1.0/24");
    }
  }

  @Test
  @Order(12)
  void aConnectionOpenBeforeItsPodIsSelectedKeepsWorking() throws Exception {
    gatewayOn(2);
    // pod B (node 1, not selected) has a connection open: it left with node 1's address
    try (EchoSession s = EchoSession.open(lab, podB)) {
      assertEquals(nodeIp(1), s.greeting());
      assertEquals("before", s.roundTrip("before"));

      // the policy now selects pod B: the gateway first, then B's node (the controller's order)
      generation++;
      agents[2].apply(selectingB(program(2, 2, generation)));
      agents[1].apply(selectingB(program(1, 2, generation)));
      agents[3].apply(program(3, 2, generation));

      // the open connection keeps working with node 1's address: node 1 steers its packets now, but
      // its conntrack still applies the connection's masquerade binding first, so they reach the
      // gateway with node 1's address, which the gateway does not SNAT; new connections leave with
      // the floating IP
      assertEquals("after", s.roundTrip("after"), "the open connection still works");
      assertEquals(FLOATING_IP, lab.seenAs(podB, EXT_IP), "a new connection of pod B");
    } finally {
      gatewayOn(2);
    }
  }

  @Test
  @Order(13)
  void theFirstPacketToAGatewayThisNodeNeverTalkedToGoesToThatGateway() throws Exception {
    gatewayOn(2);
    // node 1 forgets every neighbour (as a node that never talked to node 3), then the egress moves
    // to node 3: the first packet steered there must reach node 3, not leave for the default router
    // with the pod's own address (bpf_redirect_neigh with an unresolved neighbour would send it to
    // the route's next hop once resolved; the agent resolves gateways before it steers to them)
    Sh.mustIn(lab.node(1), "ip", "neigh", "flush", "dev", "eth0");
    generation++;
    agents[3].apply(program(3, 3, generation));
    agents[1].apply(program(1, 3, generation));
    agents[2].apply(program(2, 3, generation));

    long retransmittedBefore = synRetransmits(podA.netns());
    String seen = lab.seenAs(podA, EXT_IP);
    long retransmitted = synRetransmits(podA.netns()) - retransmittedBefore;

    assertEquals(FLOATING_IP, seen, "the first connection after the move");
    // Counted by pod A's kernel rather than timed: a SYN that went astray is retransmitted.
    assertEquals(0, retransmitted, "SYNs of pod A retransmitted (the first one was lost)");
    gatewayOn(2);
  }

  @Test
  @Order(14)
  void aSteeredPacketIsDroppedRatherThanSentWithThePodsAddressWhileTheGatewaysMacIsUnknown()
      throws Exception {
    gatewayOn(2);
    // the outside world counts packets that arrive with pod A's own address (a leak)
    Sh.mustIn(
        lab.ext(),
        "nft",
        "add table ip egwwatch { chain pre { type filter hook prerouting priority -300;"
            + " ip saddr "
            + podA.ip()
            + " counter; }; }");
    try {
      // node 1 loses its neighbour entries while it steers (the agent re-resolves within a second)
      Sh.mustIn(lab.node(1), "ip", "neigh", "flush", "dev", "eth0");

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> FLOATING_IP.equals(lab.seenAs(podA, EXT_IP)));

      String counter = Sh.mustIn(lab.ext(), "nft", "list table ip egwwatch");
      assertTrue(
          counter.contains("packets 0 "), "no packet left with pod A's address:\n" + counter);
    } finally {
      Sh.run(10, Sh.inNetns(lab.ext(), "nft", "delete table ip egwwatch"));
    }
  }

  /** UDP port nobody listens on at the external host: packets to it are only counted. */
  static final int PORT_COUNTED = 7779;

  /**
   * A bounded sender in netns: one UDP datagram to EXT_IP:PORT_COUNTED every half millisecond, a
   * new socket (so a new flow) each, for seconds (send errors, e.g. no route yet, are ignored).
   */
  Process udpSender(String netns, int seconds) {
    return udpSender(netns, seconds, null);
  }

  /** The same, touching the file started (when given) once it runs. */
  Process udpSender(String netns, int seconds, Path started) {
    String script =
        "import socket,time\n"
            + (started == null ? "" : "open('" + started + "','w').close()\n")
            + "end=time.time()+"
            + seconds
            + "\n"
            + "while time.time()<end:\n"
            + "  try:\n"
            + "    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            + "    s.sendto(b'x',('"
            + EXT_IP
            + "',"
            + PORT_COUNTED
            + "))\n"
            + "    s.close()\n"
            + "  except OSError:\n"
            + "    pass\n"
            + "  time.sleep(0.0005)\n";
    return lab.startProcess(netns, "python3", "-c", script);
  }

  /** Counts, at the external host, UDP datagrams to PORT_COUNTED by source address. */
  void countAtExt(String table, String... sources) {
    countAtExtMatching(table, " udp dport " + PORT_COUNTED, sources);
  }

  /** Counts, at the external host, packets of any protocol by source address. */
  void countAtAnyProtocol(String table, String... sources) {
    countAtExtMatching(table, "", sources);
  }

  private void countAtExtMatching(String table, String match, String... sources) {
    StringBuilder rules = new StringBuilder();
    for (String src : sources) {
      rules
          .append("  ip saddr ")
          .append(src)
          .append(match)
          .append(" counter comment \"")
          .append(src)
          .append("\"\n");
    }
    Sh.Result r =
        Sh.runWithInput(
            10,
            "table ip "
                + table
                + " {\n chain pre {\n"
                + "  type filter hook prerouting priority -300; policy accept;\n"
                + rules
                + " }\n}\n",
            Sh.inNetns(lab.ext(), "nft", "-f", "-"));
    assertTrue(r.ok(), r.output());
  }

  long countedAtExt(String table, String source) {
    Matcher m =
        Pattern.compile(
                "counter packets (\\d+) bytes \\d+ comment \"" + Pattern.quote(source) + "\"")
            .matcher(Sh.mustIn(lab.ext(), "nft", "list", "table", "ip", table));
    assertTrue(m.find(), "counter for " + source);
    return Long.parseLong(m.group(1));
  }

  @Test
  @Order(15)
  void deletingTheUplinksQdiscNeitherStopsSteeringNorLeaksThePodsAddress() throws Exception {
    gatewayOn(2);
    countAtExt("egwqdisc", podA.ip(), FLOATING_IP);
    Process sender = udpSender(podA.netns(), 4);
    try {
      await().atMost(Duration.ofSeconds(3)).until(() -> countedAtExt("egwqdisc", FLOATING_IP) > 0);

      // what a CNI restart or an operator does: the clsact qdisc of the uplink goes away
      Sh.run(5, Sh.inNetns(lab.node(1), "tc", "qdisc", "add", "dev", "eth0", "clsact"));
      Sh.mustIn(lab.node(1), "tc", "qdisc", "del", "dev", "eth0", "clsact");
      long steeredAtDelete = countedAtExt("egwqdisc", FLOATING_IP);

      await()
          .atMost(Duration.ofMillis(1500))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> countedAtExt("egwqdisc", FLOATING_IP) > steeredAtDelete + 10);
      sender.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(
          0, countedAtExt("egwqdisc", podA.ip()), "no datagram left with pod A's own address");
    } finally {
      sender.destroyForcibly();
      Sh.run(10, Sh.inNetns(lab.ext(), "nft", "delete table ip egwqdisc"));
    }
  }

  @Test
  @Order(16)
  void aDeletedNftTableIsRecreatedWithinAPass() {
    gatewayOn(2);
    Sh.mustIn(lab.node(2), "nft", "delete", "table", "ip", "egressgw");

    await()
        .atMost(Duration.ofMillis(2500))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                Sh.run(5, Sh.inNetns(lab.node(2), "nft", "list", "table", "ip", "egressgw"))
                    .output()
                    .contains(FLOATING_IP));
    Sh.mustIn(lab.node(2), "conntrack", "-F");
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));
  }

  @Test
  @Order(17)
  void aPodSendingFromItsFirstMillisecondIsClassified() throws Exception {
    gatewayOn(2);
    String podIp = "10.244.1.20";
    String name = "pe";
    countAtExt("egwfirst", nodeIp(1), podIp);
    long dropsBefore = agents[1].report().path("guardDrops").asLong();
    // the pod sends before its interface exists, as a container that starts at once would
    String netns = lab.addEmptyNamespace(name);
    Path started = logDir.toAbsolutePath().resolve("sender-" + name + ".started");
    Process sender = udpSender(netns, 4, started);
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(started));
      String node = lab.node(1);
      // the CNI's work in one go: the veth appears on the node, then the pod is wired up at once
      Sh.mustIn(
          node,
          "sh",
          "-c",
          String.join(
              " && ",
              "ip link add " + name + " type veth peer name eth0 netns " + netns,
              "ip link set " + name + " up",
              "ip route add " + podIp + "/32 dev " + name,
              "echo 1 > /proc/sys/net/ipv4/conf/" + name + "/proxy_arp",
              "ip netns exec "
                  + netns
                  + " sh -c 'ip addr add "
                  + podIp
                  + "/32 dev eth0 && ip link set eth0 up"
                  + " && ip route add 169.254.1.1 dev eth0 scope link"
                  + " && ip route add default via 169.254.1.1 dev eth0'",
              // the pod's first datagram leaves at once, without waiting for (proxy) ARP
              "ip -n "
                  + netns
                  + " neigh replace 169.254.1.1 lladdr $(cat /sys/class/net/"
                  + name
                  + "/address) dev eth0 nud permanent"));
      sender.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);

      assertEquals(
          0, countedAtExt("egwfirst", nodeIp(1)), "no datagram left with node 1's address");
      assertTrue(
          agents[1].report().path("guardDrops").asLong() > dropsBefore + 100,
          "the unknown pod's datagrams were dropped by the start-up guard");
    } finally {
      sender.destroyForcibly();
      Sh.run(10, Sh.inNetns(lab.ext(), "nft", "delete table ip egwfirst"));
      Sh.run(10, Sh.inNetns(lab.node(1), "ip", "link", "del", name));
    }
  }

  @Test
  @Order(18)
  void aGatewayBehindARouterIsNeverSentThePodsAddress() throws Exception {
    gatewayOn(2);
    // node 1 reaches 10.88.0.0/24 only through the router: a gateway there is not on its link
    Sh.mustIn(lab.node(1), "ip", "route", "add", "10.88.0.0/24", "via", NetnsLab.EXT_ROUTER_IP);
    countAtExt("egwrouter", podA.ip());
    long before = agents[1].report().path("drops").path("not_on_link").asLong();
    try {
      generation++;
      NodeProgram p = program(1, 2, generation);
      agents[1].apply(
          new NodeProgram(
              p.node(),
              generation,
              p.sources(),
              p.ruleSets(),
              Map.of(
                  EGRESS_ID,
                  new NodeProgram.Egress(EGRESS_ID, POLICY, FLOATING_IP, "node9", "10.88.0.2")),
              List.of(),
              GUARDED));

      Process sender = udpSender(podA.netns(), 1);
      sender.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);

      assertEquals(
          0,
          countedAtExt("egwrouter", podA.ip()),
          "nothing reached the router with pod A's address");
      assertTrue(
          agents[1].report().path("drops").path("not_on_link").asLong() > before,
          "dropped and counted as not on link: " + agents[1].report().path("drops"));
    } finally {
      Sh.run(10, Sh.inNetns(lab.ext(), "nft", "delete table ip egwrouter"));
      Sh.run(10, Sh.inNetns(lab.node(1), "ip", "route", "del", "10.88.0.0/24"));
      gatewayOn(2);
    }
  }

  @Test
  @Order(19)
  void aVethPairWithBothEndsOnTheNodeIsNotAPodInterface() {
    gatewayOn(2);
    // a CNI's host-side plumbing (as cilium_host / cilium_net), next to a real pod's veth
    Sh.mustIn(
        lab.node(1), "ip", "link", "add", "egwhost", "type", "veth", "peer", "name", "egwnet");
    try {
      Sh.mustIn(lab.node(1), "ip", "link", "set", "egwhost", "up");
      Sh.mustIn(lab.node(1), "ip", "link", "set", "egwnet", "up");
      Pod late = lab.addPod(1, "pf");

      await().atMost(Duration.ofSeconds(5)).until(() -> classifierOn(late.name()));
      agents[1].apply(program(1, 2, generation)); // an apply runs a full pass too

      assertFalse(classifierOn("egwhost"), "host-side veth");
      assertFalse(classifierOn("egwnet"), "host-side veth");
    } finally {
      Sh.run(10, Sh.inNetns(lab.node(1), "ip", "link", "del", "egwhost"));
    }
  }

  @Test
  @Order(20)
  void aGatewayWhoseMacChangesIsReachedAgainWithoutEverLeakingThePodsAddress() throws Exception {
    gatewayOn(2);
    countAtExt("egwmac", podA.ip(), FLOATING_IP);
    Process sender = udpSender(podA.netns(), 30);
    try {
      await().atMost(Duration.ofSeconds(3)).until(() -> countedAtExt("egwmac", FLOATING_IP) > 0);

      // node 2's NIC is replaced (a new MAC for the same address), and node 2 stays quiet: node 1's
      // fast path writes the gateway's MAC from its neighbour entry itself, so nothing but the
      // agent makes node 1 look at that entry again
      Sh.mustIn(lab.node(2), "ip", "link", "set", "eth0", "address", "02:00:0a:4d:00:02");
      long atChange = countedAtExt("egwmac", FLOATING_IP);

      // the bound: the re-probe age, three unanswered unicast probes, two passes
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> countedAtExt("egwmac", FLOATING_IP) > atChange + 100);
      assertTrue(
          Sh.mustIn(lab.node(1), "ip", "neigh", "show", nodeIp(2), "dev", "eth0")
              .contains("02:00:0a:4d:00:02"),
          "node 1 learnt the new MAC");
      assertEquals(
          0, countedAtExt("egwmac", podA.ip()), "no datagram left with pod A's own address");
    } finally {
      sender.destroyForcibly();
      Sh.run(10, Sh.inNetns(lab.ext(), "nft", "delete table ip egwmac"));
    }
  }

  @Test
  @Order(21)
  void aFlowPickedUpBackwardsOnItsPodsNodeNeverLeavesWithThePodsAddress() throws Exception {
    gatewayOn(2);
    try (EchoSession s = EchoSession.open(lab, podA)) {
      assertEquals(FLOATING_IP, s.greeting());
      assertEquals("before", s.roundTrip("before"));
      Matcher port =
          Pattern.compile("sport=(\\d+) dport=" + NetnsLab.PORT_ECHO)
              .matcher(lab.conntrack(lab.node(1), podA.ip()));
      assertTrue(port.find(), "pod A's entry on node 1");
      int podPort = Integer.parseInt(port.group(1));
      countAtAnyProtocol("egwback", podA.ip());
      Sh.mustIn(lab.ext(), "ip", "route", "add", "10.244.1.0/24", "via", nodeIp(1));
      try {
        // node 1 loses the flow's entry (a takeover's or release's deletion, a conntrack flush)
        // and the next packet it sees of the flow comes from outside: conntrack picks the flow up
        // backwards (original direction outside -> pod), so the pod's own packets are "replies"
        Sh.mustIn(lab.node(1), "conntrack", "-D", "-p", "tcp", "-s", podA.ip());
        sendTcpAck(EXT_IP, NetnsLab.PORT_ECHO, podA.ip(), podPort);
        await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () ->
                    Sh.run(10, Sh.inNetns(lab.node(1), "conntrack", "-L", "-d", podA.ip()))
                        .output()
                        .contains("src=" + EXT_IP + " dst=" + podA.ip()));

        // the pod answers the stray ACK and sends on: its packets stay egress traffic, steered
        // to the gateway, which SNATs them as before
        assertEquals("after", s.roundTrip("after"), "the flow goes on through the gateway");
        assertEquals(
            0,
            countedAtExt("egwback", podA.ip()),
            "no packet reached the outside with pod A's own address");
      } finally {
        Sh.run(10, Sh.inNetns(lab.ext(), "ip", "route", "del", "10.244.1.0/24"));
        Sh.run(10, Sh.inNetns(lab.ext(), "nft", "delete table ip egwback"));
      }
    }
  }

  /**
   * Sends one bare TCP ACK (a raw socket; the kernel adds the IP header) from the external host, as
   * a late answer of a flow would arrive: sequence numbers the receiver does not expect, so the
   * pod's stack answers it with an ACK of its own.
   */
  void sendTcpAck(String from, int fromPort, String to, int toPort) {
    String script =
        "import socket, struct\n"
            + "src, dst = socket.inet_aton('"
            + from
            + "'), socket.inet_aton('"
            + to
            + "')\n"
            + "hdr = struct.pack('!HHIIBBHHH', "
            + fromPort
            + ", "
            + toPort
            + ", 1, 1, 5 << 4, 0x10, 65535, 0, 0)\n"
            + "ph = src + dst + struct.pack('!BBH', 0, 6, len(hdr))\n"
            + "data = ph + hdr\n"
            + "c = sum(struct.unpack('!%dH' % (len(data) // 2), data))\n"
            + "c = (c >> 16) + (c & 0xffff)\n"
            + "c = ~(c + (c >> 16)) & 0xffff\n"
            + "hdr = hdr[:16] + struct.pack('!H', c) + hdr[18:]\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)\n"
            + "s.bind((socket.inet_ntoa(src), 0))\n"
            + "s.sendto(hdr, (socket.inet_ntoa(dst), 0))\n";
    Sh.Result r = Sh.run(10, Sh.inNetns(lab.ext(), "python3", "-c", script));
    assertTrue(r.ok(), r.output());
  }

  boolean classifierOn(String ifname) {
    return Sh.run(5, Sh.inNetns(lab.node(1), "tc", "filter", "show", "dev", ifname, "ingress"))
        .output()
        .contains("egw_classify");
  }

  /** The same program with pod B selected too (on its node, and on the gateway). */
  NodeProgram selectingB(NodeProgram p) {
    Map<String, Integer> sources = new HashMap<>(p.sources());
    if (p.node().equals("node1") || !p.floatingIPs().isEmpty()) {
      sources.put(podB.ip(), RULE_SET);
    }
    return new NodeProgram(
        p.node(),
        p.generation(),
        sources,
        p.ruleSets(),
        p.egresses(),
        p.floatingIPs(),
        p.guardedPrefixes());
  }

  static long packets(JsonNode report) {
    return report.path("counters").path(POLICY).path("packets").asLong();
  }

  /** SYNs the kernel of {@code netns} retransmitted so far (TcpExt TCPSynRetrans). */
  static long synRetransmits(String netns) {
    // /proc/net/netstat holds pairs of lines: "TcpExt: <names>" then "TcpExt: <values>".
    List<String> tcpExt =
        Sh.mustIn(netns, "cat", "/proc/net/netstat")
            .lines()
            .filter(l -> l.startsWith("TcpExt:"))
            .toList();
    List<String> names = List.of(tcpExt.get(0).trim().split("\\s+"));
    String[] values = tcpExt.get(1).trim().split("\\s+");
    int i = names.indexOf("TCPSynRetrans");
    assertTrue(i > 0, "TCPSynRetrans in /proc/net/netstat of " + netns);
    return Long.parseLong(values[i]);
  }

  static List<String> macsIn(String arpingOutput) {
    Matcher m =
        Pattern.compile("from ([0-9a-f]{2}(?::[0-9a-f]{2}){5})")
            .matcher(arpingOutput.toLowerCase(Locale.ROOT));
    List<String> macs = new java.util.ArrayList<>();
    while (m.find()) {
      macs.add(m.group(1));
    }
    assertFalse(macs.isEmpty(), "arping answers:\n" + arpingOutput);
    return macs;
  }

  /** A long-lived TCP connection from a pod to the echo server (socat in the pod). */
  static final class EchoSession implements AutoCloseable {
    private final Process process;
    private final BufferedReader in;
    private final OutputStream out;
    private final String greeting;

    private EchoSession(Process process) throws Exception {
      this.process = process;
      this.in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.out = process.getOutputStream();
      this.greeting = readLine();
    }

    static EchoSession open(NetnsLab lab, Pod pod) throws Exception {
      Process p =
          new ProcessBuilder(
                  Sh.inNetns(
                      pod.netns(),
                      "socat",
                      "-",
                      "TCP:" + EXT_IP + ":" + NetnsLab.PORT_ECHO + ",connect-timeout=3"))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      lab.track(p);
      return new EchoSession(p);
    }

    String greeting() {
      return greeting;
    }

    String roundTrip(String line) throws Exception {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      return readLine();
    }

    private String readLine() throws Exception {
      java.util.concurrent.CompletableFuture<String> f =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return in.readLine();
                } catch (java.io.IOException e) {
                  return null;
                }
              });
      return f.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}

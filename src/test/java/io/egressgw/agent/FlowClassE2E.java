package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.EXT_IP;
import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.program.NodeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Flow classes in the conntrack mark (issue 13): a flow a node only forwarded (steered to another
 * gateway, identity NAT) must not keep leaving with the pod's address once that node becomes the
 * holder itself. Two nodes, pod A on node 1, the egress held by node 2 and then moved to node 1,
 * while pod A sends UDP from one socket (one flow, one conntrack entry) throughout. The external
 * host counts datagrams by source address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlowClassE2E {
  static final int EGRESS_ID = 11;
  static final String FLOATING_IP = "10.77.0.100";
  static final int PORT = 7790;

  NetnsLab lab;
  Pod podA;
  final AgentProcess[] agents = new AgentProcess[3];
  Path logDir;

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(2);
    podA = lab.addPod(1, "pa");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    for (int n = 1; n <= 2; n++) {
      agents[n] =
          AgentProcess.start(
              lab, lab.node(n), lab.pinDir(n), logDir.resolve("agent-n" + n + ".log"));
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

  /** Node n's program while node gateway holds the egress and its floating IP. */
  NodeProgram program(int n, int gateway, long generation) {
    return new NodeProgram(
        "node" + n,
        generation,
        Map.of(podA.ip(), 1),
        Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(
                EGRESS_ID, "partner", FLOATING_IP, "node" + gateway, nodeIp(gateway))),
        n == gateway ? List.of(FLOATING_IP) : List.of(),
        List.of("203.0.113.0/24"));
  }

  @Test
  void aFlowItsNodeOnlyForwardedNeverLeavesWithThePodsAddressOnceThatNodeHoldsTheIp()
      throws Exception {
    agents[2].apply(program(2, 2, 2));
    agents[1].apply(program(1, 2, 2));
    countAtExt(podA.ip(), FLOATING_IP);
    Process sender = udpFlow(podA.netns(), 8);
    try {
      // the flow is steered to node 2 and SNATed there; on node 1 its entry is "forwarded"
      await().atMost(Duration.ofSeconds(5)).until(() -> countedAtExt(FLOATING_IP) > 10);
      String entryOnNode1 = lab.conntrack(lab.node(1), podA.ip());
      assertTrue(entryOnNode1.contains("dport=" + PORT), entryOnNode1);

      // node 1 becomes the holder (new holder first, as the controller rolls it out)
      agents[1].apply(program(1, 1, 3));
      agents[2].apply(program(2, 1, 3));
      long atMove = countedAtExt(FLOATING_IP);

      // the same flow goes on, now SNATed on node 1 (or leaks: then stop waiting)
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> countedAtExt(FLOATING_IP) > atMove + 20 || countedAtExt(podA.ip()) > 0);
      assertEquals(0, countedAtExt(podA.ip()), "datagrams that left with pod A's own address");
      assertTrue(countedAtExt(FLOATING_IP) > atMove + 20, "the flow goes on with the floating IP");
    } finally {
      sender.destroyForcibly();
      Sh.run(10, Sh.inNetns(lab.ext(), "nft", "delete table ip egwflow"));
    }
  }

  /** One UDP flow: one socket sending a datagram to EXT_IP:PORT every 10 ms for seconds. */
  Process udpFlow(String netns, int seconds) {
    String script =
        "import socket,time\n"
            + "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            + "end=time.time()+"
            + seconds
            + "\n"
            + "while time.time()<end:\n"
            + "  try:\n"
            + "    s.sendto(b'x',('"
            + EXT_IP
            + "',"
            + PORT
            + "))\n"
            + "  except OSError:\n"
            + "    pass\n"
            + "  time.sleep(0.01)\n";
    return lab.startProcess(netns, "python3", "-c", script);
  }

  /** Counts, at the external host, datagrams to PORT by source address. */
  void countAtExt(String... sources) {
    StringBuilder rules = new StringBuilder();
    for (String src : sources) {
      rules.append(
          "  ip saddr " + src + " udp dport " + PORT + " counter comment \"" + src + "\"\n");
    }
    Sh.Result r =
        Sh.runWithInput(
            10,
            "table ip egwflow {\n chain pre {\n"
                + "  type filter hook prerouting priority -300; policy accept;\n"
                + rules
                + " }\n}\n",
            Sh.inNetns(lab.ext(), "nft", "-f", "-"));
    assertTrue(r.ok(), r.output());
  }

  long countedAtExt(String source) {
    Matcher m =
        Pattern.compile(
                "counter packets (\\d+) bytes \\d+ comment \"" + Pattern.quote(source) + "\"")
            .matcher(Sh.mustIn(lab.ext(), "nft", "list", "table", "ip", "egwflow"));
    assertTrue(m.find(), "counter for " + source);
    return Long.parseLong(m.group(1));
  }
}

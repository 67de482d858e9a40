package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Source-port allocation of SNATed flows (issue 14, {@code snat-port-allocation}) against a real
 * kernel: pod A on node 1 is steered to node 2, which SNATs it to floating IP 10.77.0.100. The
 * outside listener reports each connection's source address and port. With the kernel's default a
 * free pod port is kept; with {@code fully-random} the pod's ports do not show outside.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnatPortAllocationE2E {
  static final int EGRESS_ID = 9;
  static final int RULE_SET = 1;
  static final String FLOATING_IP = "10.77.0.100";
  static final int PORT_PEER = 7790;
  static final int CONNECTIONS = 12;

  NetnsLab lab;
  Pod podA;
  Path logDir;
  final AgentProcess[] agents = new AgentProcess[3];

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(2);
    podA = lab.addPod(1, "pa");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    lab.startProcess(
        lab.ext(),
        "socat",
        "TCP-LISTEN:" + PORT_PEER + ",fork,reuseaddr",
        "SYSTEM:echo $SOCAT_PEERADDR $SOCAT_PEERPORT");
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Sh.run(
                        5,
                        Sh.inNetns(
                            lab.ext(), "sh", "-c", "ss -ltn | grep -q ':" + PORT_PEER + " '"))
                    .ok());
    agents[1] = AgentProcess.start(lab, lab.node(1), lab.pinDir(1), logDir.resolve("agent-n1.log"));
    agents[1].apply(program(1));
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

  NodeProgram program(int n) {
    return new NodeProgram(
        "node" + n,
        1,
        Map.of(podA.ip(), RULE_SET),
        Map.of(RULE_SET, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(EGRESS_ID, "partner", FLOATING_IP, "node2", nodeIp(2))),
        n == 2 ? List.of(FLOATING_IP) : List.of(),
        List.of("203.0.113.0/24"));
  }

  /** Restarts node 2's agent with this allocation mode and applies its program. */
  void gateway(String mode) {
    if (agents[2] != null) {
      agents[2].kill();
    }
    agents[2] =
        AgentProcess.start(
            lab,
            lab.node(2),
            lab.pinDir(2),
            logDir.resolve("agent-n2-" + mode + ".log"),
            List.of("--snat-ports", mode));
    agents[2].apply(program(2));
    Sh.mustIn(lab.node(2), "conntrack", "-F");
  }

  /** Connects from pod A with these source ports; the peer's view of each: "address port". */
  List<String> seenOutside(int firstPort) {
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      Sh.Result r =
          Sh.run(
              10,
              Sh.inNetns(
                  podA.netns(),
                  "socat",
                  "-u",
                  "TCP:"
                      + NetnsLab.EXT_IP
                      + ":"
                      + PORT_PEER
                      + ",sourceport="
                      + (firstPort + i)
                      + ",connect-timeout=3",
                  "-"));
      assertThat(r.ok()).as("connection from port %d: %s", firstPort + i, r.output()).isTrue();
      seen.add(r.output().trim());
    }
    return seen;
  }

  static long keptPorts(List<String> seen, int firstPort) {
    long kept = 0;
    for (int i = 0; i < seen.size(); i++) {
      if (seen.get(i).equals(FLOATING_IP + " " + (firstPort + i))) {
        kept++;
      }
    }
    return kept;
  }

  @Test
  void theDefaultKeepsAFreePodPortAndFullyRandomNeverShowsIt() {
    gateway("default");
    List<String> byDefault = seenOutside(41000);
    assertThat(byDefault).allMatch(s -> s.startsWith(FLOATING_IP + " "));
    assertThat(keptPorts(byDefault, 41000))
        .as("the default keeps free ports: %s", byDefault)
        .isEqualTo(CONNECTIONS);

    gateway("fully-random");
    List<String> random = seenOutside(42000);
    assertThat(random).allMatch(s -> s.startsWith(FLOATING_IP + " "));
    // a random port equals the pod's with probability about 1/64,000 per connection
    assertThat(keptPorts(random, 42000))
        .as("fully-random hides the pod's ports: %s", random)
        .isLessThanOrEqualTo(1);
  }
}

package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressgw.agent.EgressGatewayE2E.EchoSession;
import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.program.NodeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SNAT pressure metrics against a real kernel: two nodes in network namespaces, node 2 holds
 * floating IP 10.77.0.100 and SNATs pod A (node 1, steered to it); pod N on node 2 is not selected
 * and leaves masqueraded with node 2's address. The agent's meters are read through its {@code
 * metrics} command, from the same code the agent's /q/metrics uses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnatPressureE2E {
  static final int EGRESS_ID = 7;
  static final int RULE_SET = 1;
  static final String FLOATING_IP = "10.77.0.100";
  static final String CONNECTIONS =
      "egressgw.agent.snat.connections{floating_ip=" + FLOATING_IP + "}";

  NetnsLab lab;
  Pod podA;
  Pod podN;
  final AgentProcess[] agents = new AgentProcess[3];

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(2);
    podA = lab.addPod(1, "pa");
    podN = lab.addPod(2, "pn");
    Path logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    for (int n = 1; n <= 2; n++) {
      agents[n] =
          AgentProcess.start(
              lab, lab.node(n), lab.pinDir(n), logDir.resolve("agent-n" + n + ".log"));
    }
    agents[2].apply(program(2));
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
    Map<String, Integer> sources = new HashMap<>(Map.of(podA.ip(), RULE_SET));
    if (n == 2) {
      sources.put(podN.ip(), 0);
    }
    return new NodeProgram(
        "node" + n,
        1,
        sources,
        Map.of(RULE_SET, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(EGRESS_ID, "partner", FLOATING_IP, "node2", nodeIp(2))),
        n == 2 ? List.of(FLOATING_IP) : List.of(),
        List.of("203.0.113.0/24"));
  }

  @Test
  void theConnectionGaugeOfAFloatingIpCountsTheConnectionsSnatedToIt() throws Exception {
    Sh.mustIn(lab.node(2), "conntrack", "-F");
    assertThat(agents[2].metrics().path(CONNECTIONS).asDouble(-1)).as("none yet").isEqualTo(0);
    int n = 5;
    List<EchoSession> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        EchoSession s = EchoSession.open(lab, podA);
        sessions.add(s);
        assertThat(s.greeting()).as("connection %d left SNATed", i).isEqualTo(FLOATING_IP);
      }
      // the gateway also tracks a connection it masquerades with its own address: not counted
      try (EchoSession other = EchoSession.open(lab, podN)) {
        assertThat(other.greeting()).isEqualTo(nodeIp(2));

        JsonNode metrics = agents[2].metrics();

        assertThat(metrics.path(CONNECTIONS).asDouble(-1)).as(metrics.toString()).isEqualTo(n);
        assertThat(agents[1].metrics().has(CONNECTIONS))
            .as("node 1 holds no floating IP: no gauge")
            .isFalse();
      }
    } finally {
      sessions.forEach(EchoSession::close);
    }
  }

  @Test
  void allocationFailuresAreConntracksOwnPerCpuCountersSummed() {
    JsonNode metrics = agents[2].metrics();
    Map<String, Long> proc = procConntrackStats(lab.node(2));

    assertThat(
            metrics
                .path("egressgw.agent.snat.allocation.failures{reason=insert_failed}")
                .asLong(-1))
        .as(metrics.toString())
        .isEqualTo(proc.get("insert_failed"));
    assertThat(metrics.path("egressgw.agent.snat.allocation.failures{reason=drop}").asLong(-1))
        .isEqualTo(proc.get("drop"));
  }

  /** /proc/net/stat/nf_conntrack of netns: hexadecimal per-CPU rows, summed by column name. */
  static Map<String, Long> procConntrackStats(String netns) {
    List<String> lines = Sh.mustIn(netns, "cat", "/proc/net/stat/nf_conntrack").lines().toList();
    String[] names = lines.get(0).trim().split("\\s+");
    Map<String, Long> sums = new HashMap<>();
    for (String row : lines.subList(1, lines.size())) {
      String[] values = row.trim().split("\\s+");
      for (int i = 0; i < names.length && i < values.length; i++) {
        sums.merge(names[i], Long.parseLong(values[i], 16), Long::sum);
      }
    }
    assertThat(sums).containsKeys("insert_failed", "drop");
    return sums;
  }
}

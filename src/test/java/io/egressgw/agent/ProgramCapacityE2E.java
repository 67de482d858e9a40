package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.EXT_IP;
import static io.egressgw.netns.NetnsLab.EXT_OTHER_IP;
import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
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
 * A program over capacity, end to end (issue 14): node 1's agent runs with maps of 4 sources and 2
 * routes, node 2 (default capacities) holds the floating IP. A program that does not fit node 1 is
 * refused whole, its error is in the agent's answer and report, none of it is written (the traffic
 * of the program before is unchanged, packet for packet as the outside host sees it), and the next
 * program that fits applies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProgramCapacityE2E {
  static final int EGRESS_ID = 7;
  static final int RULE_SET = 1;
  static final String FLOATING_IP = "10.77.0.100";
  static final String POLICY = "partner";
  static final int SOURCES_MAX = 4;
  static final int ROUTES_MAX = 2;

  NetnsLab lab;
  Pod podA;
  Pod podB;
  AgentProcess node1;
  AgentProcess node2;
  Path logDir;

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(2);
    podA = lab.addPod(1, "pa");
    podB = lab.addPod(1, "pb");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    node1 =
        AgentProcess.start(
            lab,
            lab.node(1),
            lab.pinDir(1),
            logDir.resolve("agent-n1.log"),
            List.of("--capacities", "sources=" + SOURCES_MAX + ",routes=" + ROUTES_MAX));
    node2 = AgentProcess.start(lab, lab.node(2), lab.pinDir(2), logDir.resolve("agent-n2.log"));
  }

  @AfterAll
  void tearDown() {
    for (AgentProcess a : new AgentProcess[] {node1, node2}) {
      if (a != null) {
        a.kill();
      }
    }
    if (lab != null) {
      lab.close();
    }
  }

  /**
   * What the compiler would send node n (node 2 the gateway): the {@code selected} pods to {@code
   * prefixes}; on node 1 every other pod of node 1 is known with rule set 0, and {@code extra} more
   * selected sources (pods of node 1 the lab does not wire up) are listed.
   */
  static NodeProgram program(
      int n, long gen, List<Pod> selected, List<Pod> all, int extra, List<String> prefixes) {
    Map<String, Integer> sources = new HashMap<>();
    for (Pod p : all) {
      if (selected.contains(p)) {
        sources.put(p.ip(), RULE_SET);
      } else if (p.node() == n) {
        sources.put(p.ip(), 0);
      }
    }
    for (int i = 0; i < extra; i++) {
      sources.put("10.244.1." + (200 + i), RULE_SET);
    }
    List<NodeProgram.Route> routes = new ArrayList<>();
    prefixes.forEach(p -> routes.add(new NodeProgram.Route(p, EGRESS_ID)));
    return new NodeProgram(
        "node" + n,
        gen,
        sources,
        Map.of(RULE_SET, routes),
        Map.of(
            EGRESS_ID, new NodeProgram.Egress(EGRESS_ID, POLICY, FLOATING_IP, "node2", nodeIp(2))),
        n == 2 ? List.of(FLOATING_IP) : List.of(),
        prefixes);
  }

  @Test
  void aProgramOverCapacityIsRefusedWholeAndTheNodeKeepsItsLastProgram() {
    List<Pod> all = List.of(podA, podB);
    // generation 1 fits node 1: pod A to 203.0.113.0/24 (2 sources, 1 route)
    List<String> before = List.of("203.0.113.0/24");
    node2.apply(program(2, 1, List.of(podA), all, 0, before));
    node1.apply(program(1, 1, List.of(podA), all, 0, before));
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP), "pod A, selected");
    assertEquals(nodeIp(1), lab.seenAs(podB, EXT_IP), "pod B, known, not selected");
    assertEquals(nodeIp(1), lab.seenAs(podA, EXT_OTHER_IP), "outside the policy's prefixes");

    // generation 2 selects pod B too and adds a prefix (routes 2 of 2: fit), but with three more
    // pods it needs 5 sources: node 1 holds 4. The gateway (default capacities) takes it first,
    // as the controller orders it
    List<String> after = List.of("198.51.100.0/24", "203.0.113.0/24");
    NodeProgram overCapacity = program(1, 2, all, all, 3, after);
    node2.apply(program(2, 2, all, all, 3, after));
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> node1.apply(overCapacity));

    assertTrue(
        refused
            .getMessage()
            .contains("CapacityExceeded: generation 2 does not fit: [sources 5 > 4]"),
        refused.getMessage());
    JsonNode report = node1.report();
    assertTrue(
        report.path("applyError").asText().startsWith("CapacityExceeded: "),
        "reported to the controller: " + report);
    assertEquals(1, report.path("appliedGeneration").asLong(), "the node keeps generation 1");
    // nothing of generation 2 was written: not its route (written before sources when it is
    // not checked), not its sources
    assertEquals(
        nodeIp(1), lab.seenAs(podA, EXT_OTHER_IP), "generation 2's new prefix is not steered");
    assertEquals(nodeIp(1), lab.seenAs(podB, EXT_IP), "pod B, selected by generation 2 only");
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP), "generation 1 still steers pod A");

    // generation 3, the same without the pods that do not exist: 2 sources, 2 routes
    node2.apply(program(2, 3, all, all, 0, after));
    ApplyResult applied = node1.apply(program(1, 3, all, all, 0, after));

    assertEquals(3, applied.generation(), applied.toString());
    JsonNode cleared = node1.report();
    assertFalse(cleared.hasNonNull("applyError"), "cleared: " + cleared);
    assertEquals(FLOATING_IP, lab.seenAs(podB, EXT_IP), "pod B, selected now");
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_OTHER_IP), "the new prefix is steered now");
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));
  }
}

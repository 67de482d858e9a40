package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.net.Ipv4;
import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A node with 10,000 routes and 1,000 pods (the short version of src/test/bench/scale-bench.sh):
 * after the cold load, a one-pod change writes that one element and nothing else, and a restarted
 * agent reconciles with what the kernel really holds (an element deleted behind its back is written
 * again, and only it). What a change costs in time is measured by the benchmark, not here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnePodDeltaE2E {
  static final int RULE_SETS = 100;
  static final int ROUTES_PER_RULE_SET = 100;
  static final int PODS = 1000;
  static final String NEW_POD = "10.129.0.1";

  NetnsLab lab;
  AgentProcess agent;
  Path logDir;
  long generation;
  NodeProgram current;

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(1);
    // the gateway the egresses steer to: a fixed neighbour (there is no node 2)
    Sh.mustIn(
        lab.node(1),
        "ip",
        "neigh",
        "replace",
        nodeIp(2),
        "lladdr",
        "02:00:00:00:00:02",
        "dev",
        "eth0",
        "nud",
        "permanent");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    agent = startAgent();
  }

  @AfterAll
  void tearDown() {
    if (agent != null) {
      agent.kill();
    }
    if (lab != null) {
      lab.close();
    }
  }

  AgentProcess startAgent() {
    return AgentProcess.start(lab, lab.node(1), lab.pinDir(1), logDir.resolve("agent.log"));
  }

  static String pod(int i) {
    return Ipv4.format(Ipv4.parseOrThrow("10.128.0.0") + i);
  }

  NodeProgram program(Map<String, Integer> sources, Map<Integer, List<NodeProgram.Route>> rs) {
    List<String> guard = new ArrayList<>();
    rs.values().forEach(list -> list.forEach(r -> guard.add(r.cidr())));
    Map<Integer, NodeProgram.Egress> egresses = new HashMap<>();
    for (int id = 1; id <= 10; id++) {
      egresses.put(id, new NodeProgram.Egress(id, "p" + id, "10.77.1." + id, "node2", nodeIp(2)));
    }
    return new NodeProgram(
        "node1",
        ++generation,
        sources,
        rs,
        egresses,
        List.of(),
        guard,
        List.of("10.128.0.0/14", "10.96.0.0/12"));
  }

  /** The kernel's egw_sources entry of ip (its rule set, as bpftool prints it), or null. */
  String sourceInKernel(String ip) {
    StringBuilder key = new StringBuilder();
    for (String octet : ip.split("\\.")) {
      key.append(' ').append(Integer.parseInt(octet));
    }
    Sh.Result r =
        Sh.run(
            10,
            Sh.inNetns(
                lab.node(1),
                "sh",
                "-c",
                "bpftool -j map lookup pinned "
                    + lab.pinDir(1).resolve("egw_sources")
                    + " key"
                    + key));
    return r.ok() ? r.output().trim() : null;
  }

  @Test
  @Order(1)
  void theColdLoadWritesTheWholeProgram() {
    Map<String, Integer> sources = new HashMap<>();
    for (int i = 0; i < PODS; i++) {
      sources.put(pod(i), 1 + i % RULE_SETS);
    }
    Map<Integer, List<NodeProgram.Route>> rs = new HashMap<>();
    for (int r = 1; r <= RULE_SETS; r++) {
      List<NodeProgram.Route> list = new ArrayList<>();
      for (int j = 0; j < ROUTES_PER_RULE_SET; j++) {
        int k = (r - 1) * ROUTES_PER_RULE_SET + j;
        list.add(
            new NodeProgram.Route(
                Ipv4.format(Ipv4.parseOrThrow("64.0.0.0") + k * 256) + "/24", 1 + k % 10));
      }
      rs.put(r, list);
    }
    current = program(sources, rs);

    ApplyResult cold = agent.apply(current);

    // sources + routes + guard + egresses (+ their counters) + excluded
    int expected = PODS + 2 * RULE_SETS * ROUTES_PER_RULE_SET + 2 * 10 + 2;
    assertEquals(expected, cold.mapWrites());
  }

  @Test
  @Order(2)
  void aPodAddedIsOneWrite() {
    Map<String, Integer> sources = new HashMap<>(current.sources());
    sources.put(NEW_POD, 7);
    current = program(sources, current.ruleSets());

    ApplyResult r = agent.apply(current);

    assertEquals(1, r.mapWrites());
    assertTrue(sourceInKernel(NEW_POD).contains("\"value\""), sourceInKernel(NEW_POD));
  }

  @Test
  @Order(3)
  void aPodRemovedIsOneWrite() {
    Map<String, Integer> sources = new HashMap<>(current.sources());
    sources.remove(NEW_POD);
    current = program(sources, current.ruleSets());

    ApplyResult r = agent.apply(current);

    assertEquals(1, r.mapWrites());
    assertEquals(null, sourceInKernel(NEW_POD));
  }

  @Test
  @Order(4)
  void aRouteChangedInOneRuleSetIsOneWrite() {
    Map<Integer, List<NodeProgram.Route>> rs = new HashMap<>(current.ruleSets());
    List<NodeProgram.Route> list = new ArrayList<>(rs.get(5));
    NodeProgram.Route first = list.get(0);
    list.set(0, new NodeProgram.Route(first.cidr(), first.egressId() % 10 + 1));
    rs.put(5, list);
    current = program(current.sources(), rs);

    ApplyResult r = agent.apply(current);

    assertEquals(1, r.mapWrites());
  }

  @Test
  @Order(5)
  void aRestartedAgentWritesBackOnlyWhatTheKernelLost() {
    agent.kill();
    // an element lost while no agent ran (an operator's mistake, a half-finished write)
    String lost = pod(42);
    StringBuilder key = new StringBuilder();
    for (String octet : lost.split("\\.")) {
      key.append(' ').append(Integer.parseInt(octet));
    }
    Sh.mustIn(
        lab.node(1),
        "sh",
        "-c",
        "bpftool map delete pinned " + lab.pinDir(1).resolve("egw_sources") + " key" + key);
    assertEquals(null, sourceInKernel(lost));
    agent = startAgent();

    ApplyResult r = agent.apply(program(current.sources(), current.ruleSets()));

    assertEquals(1, r.mapWrites());
    assertFalse(sourceInKernel(lost) == null);
  }
}

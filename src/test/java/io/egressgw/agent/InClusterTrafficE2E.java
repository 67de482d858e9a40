package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.EXT_IP;
import static io.egressgw.netns.NetnsLab.EXT_OTHER_IP;
import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.policy.CompilerInput;
import io.egressgw.policy.GatewayInput;
import io.egressgw.policy.IncrementalCompiler;
import io.egressgw.policy.NamespaceInput;
import io.egressgw.policy.NodeInput;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.PolicyInput;
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
 * A policy to 0.0.0.0/0 ("everything external leaves via the gateway", issue 14) leaves in-cluster
 * traffic alone, end to end. Policy "everything" selects alice/frontend (pod A, node 1) to
 * 0.0.0.0/0 with floating IP 10.77.0.100, held by node 2. The programs are the policy compiler's,
 * with the excluded prefixes the controller gives it (each node's pod CIDR and address, a service
 * CIDR). alice/backend (pod B, node 3), alice/cache (pod C, node 2, the gateway) and node 3 itself
 * answer with the source address they saw, as the external host does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InClusterTrafficE2E {
  static final String FLOATING_IP = "10.77.0.100";
  static final int NODES = 3;
  static final int GATEWAY = 2;

  NetnsLab lab;
  Pod podA;
  Pod podB;
  Pod podC;
  final AgentProcess[] agents = new AgentProcess[NODES + 1];

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(NODES);
    podA = lab.addPod(1, "pa");
    podB = lab.addPod(3, "pb");
    podC = lab.addPod(GATEWAY, "pc");
    Path logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    for (int n = 1; n <= NODES; n++) {
      agents[n] =
          AgentProcess.start(
              lab, lab.node(n), lab.pinDir(n), logDir.resolve("agent-n" + n + ".log"));
    }
    for (String netns : List.of(podB.netns(), podC.netns(), lab.node(3))) {
      whoami(netns);
    }

    IncrementalCompiler compiler = IncrementalCompiler.of(input(), Map.of());
    // the gateway first, as the controller orders it
    agents[GATEWAY].apply(compiler.programFor("node" + GATEWAY).withGeneration(1));
    for (int n = 1; n <= NODES; n++) {
      if (n != GATEWAY) {
        agents[n].apply(compiler.programFor("node" + n).withGeneration(1));
      }
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

  /** The cluster as the controller hands it to the compiler. */
  CompilerInput input() {
    List<NodeInput> nodes = new ArrayList<>();
    for (int n = 1; n <= NODES; n++) {
      nodes.add(new NodeInput("node" + n, nodeIp(n)));
    }
    return new CompilerInput(
        List.of(
            new PolicyInput(
                "everything",
                List.of(new PolicyInput.Rule(Map.of(), Map.of("app", "frontend"))),
                List.of("0.0.0.0/0"),
                "alice/egress")),
        List.of(new GatewayInput("alice/egress", List.of(FLOATING_IP))),
        List.of(new NamespaceInput("alice", Map.of())),
        List.of(
            new PodInput("alice", "frontend", Map.of("app", "frontend"), podA.ip(), "node1"),
            new PodInput("alice", "backend", Map.of("app", "backend"), podB.ip(), "node3"),
            new PodInput("alice", "cache", Map.of("app", "cache"), podC.ip(), "node2")),
        nodes,
        Map.of(FLOATING_IP, "node" + GATEWAY),
        excludedPrefixes());
  }

  /**
   * What {@code CompilerInputs.excludedPrefixes} makes of these nodes: each Node's spec.podCIDRs,
   * its InternalIP as a /32, and the service CIDRs (egressgw.controller.service-cidrs).
   */
  static List<String> excludedPrefixes() {
    List<String> out = new ArrayList<>();
    for (int n = 1; n <= NODES; n++) {
      out.add("10.244." + n + ".0/24");
      out.add(nodeIp(n) + "/32");
    }
    out.add("10.96.0.0/12");
    return out;
  }

  /** Starts the lab's "whoami" server (the peer address it saw, then close) in netns. */
  void whoami(String netns) {
    lab.startProcess(
        netns,
        "socat",
        "TCP-LISTEN:" + NetnsLab.PORT_WHOAMI + ",fork,reuseaddr",
        "SYSTEM:echo $SOCAT_PEERADDR");
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Sh.run(
                        5,
                        Sh.inNetns(
                            netns,
                            "sh",
                            "-c",
                            "ss -ltn | grep -q ':" + NetnsLab.PORT_WHOAMI + " '"))
                    .ok());
  }

  /** The connections the gateway node forwarded for pod A, as its conntrack lists them. */
  String steeredThroughTheGateway() {
    return lab.conntrack(lab.node(GATEWAY), podA.ip());
  }

  @Test
  void theOutsideSeesTheFloatingIp() {
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_IP));
    assertEquals(FLOATING_IP, lab.seenAs(podA, EXT_OTHER_IP), "0.0.0.0/0 covers every outside");
    assertEquals(nodeIp(3), lab.seenAs(podB, EXT_IP), "pod B is not selected");
  }

  @Test
  void aPodOnAnotherNodeSeesThePodsOwnAddress() {
    assertEquals(podA.ip(), lab.seenAs(podA, podB.ip()), "neither the floating IP nor a node's");

    String gw = steeredThroughTheGateway();
    assertFalse(gw.contains("dst=" + podB.ip()), "not steered through node 2:\n" + gw);
  }

  @Test
  void aPodOnTheGatewayNodeSeesThePodsOwnAddress() {
    assertEquals(podA.ip(), lab.seenAs(podA, podC.ip()));
  }

  @Test
  void anotherNodesAddressIsReachedWithoutTheGateway() {
    // the path without egressgw: node 1 routes it to node 3 directly, the CNI masquerades it (the
    // lab's CNI keeps pod addresses towards pod CIDRs only)
    assertEquals(nodeIp(1), lab.seenAs(podA, nodeIp(3)), "not the floating IP");

    String gw = steeredThroughTheGateway();
    assertFalse(gw.contains("dst=" + nodeIp(3)), "not steered through node 2:\n" + gw);
    assertTrue(
        lab.conntrack(lab.node(1), podA.ip()).contains("dst=" + nodeIp(3)),
        "control: conntrack lists the connection where it was forwarded");
  }
}

package io.egressgw.policy;

import static io.egressgw.policy.CompilerFixtures.ASSIGNMENT;
import static io.egressgw.policy.CompilerFixtures.DEFAULT_GATEWAY;
import static io.egressgw.policy.CompilerFixtures.NAMESPACES;
import static io.egressgw.policy.CompilerFixtures.NODES;
import static io.egressgw.policy.CompilerFixtures.PODS;
import static io.egressgw.policy.CompilerFixtures.pod;
import static io.egressgw.policy.CompilerFixtures.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The full compile on the reference cluster and on the edge cases of issue #5. */
class PolicyCompilerTest {

  @Test
  void referenceClusterSteersSelectedPodsToTheFirstFloatingIp() {
    CompileResult r = PolicyCompiler.compile(CompilerFixtures.reference(), Map.of());

    Egress egress = new Egress(1, "egress", "192.168.1.100", "worker1", "192.168.1.1");
    NodeProgram w2 = r.programs().get("worker2");
    int aliceSet = w2.sources().get("10.10.10.1");
    assertEquals(
        Map.of("10.10.10.1", aliceSet, "10.10.10.2", 0, "10.10.30.1", 0),
        w2.sources(),
        "alice frontend selected; backend and bob known but not selected (rule set 0)");
    assertEquals(List.of("8.8.8.0/24"), w2.guardedPrefixes(), "guarded on every node");
    assertEquals(Map.of(aliceSet, List.of(new Route("8.8.8.0/24", 1))), w2.ruleSets());
    assertEquals(Map.of(1, egress), w2.egresses());
    assertEquals(List.of("192.168.1.101"), w2.floatingIPs());

    NodeProgram w1 = r.programs().get("worker1");
    assertEquals(
        Map.of("10.10.20.1", aliceSet, "10.10.10.1", aliceSet),
        w1.sources(),
        "gateway: local paul frontend and remote alice frontend; the pod without IP is skipped");
    assertEquals(Map.of(1, egress), w1.egresses());
    assertEquals(List.of("192.168.1.100", "192.168.1.102"), w1.floatingIPs(), "every IP it holds");
    assertEquals(List.of("8.8.8.0/24"), w1.guardedPrefixes());
    assertEquals(0, w1.generation());

    PolicyOutcome o = r.outcomes().get("egress");
    assertTrue(o.ready());
    assertEquals(2, o.selectedPods());
    assertEquals(2, o.nodesProgrammed());
    assertEquals(Map.of("egress", 1), r.egressIds());
  }

  @Test
  void unassignedEgressIpFailsClosed() {
    CompilerInput in =
        new CompilerInput(
            List.of(SelectionTest.REFERENCE),
            List.of(DEFAULT_GATEWAY),
            NAMESPACES,
            PODS,
            NODES,
            Map.of("192.168.1.101", "worker2"));

    CompileResult r = PolicyCompiler.compile(in, Map.of());

    Egress e = r.programs().get("worker2").egresses().get(1);
    assertEquals(new Egress(1, "egress", "192.168.1.100", null, null), e);
    assertFalse(e.hasGateway());
    assertEquals(
        1, r.programs().get("worker1").sources().size(), "paul's pod is still steered (to drop)");
    PolicyOutcome o = r.outcomes().get("egress");
    assertFalse(o.ready());
    assertTrue(o.message().contains("selected traffic is dropped"), o.message());
  }

  @Test
  void gatewayNodeWithoutAddressFailsClosed() {
    CompilerInput in =
        new CompilerInput(
            List.of(SelectionTest.REFERENCE),
            List.of(DEFAULT_GATEWAY),
            NAMESPACES,
            PODS,
            List.of(new NodeInput("worker1", null), new NodeInput("worker2", "192.168.1.2")),
            ASSIGNMENT);

    CompileResult r = PolicyCompiler.compile(in, Map.of());

    assertEquals(
        new Egress(1, "egress", "192.168.1.100", "worker1", null),
        r.programs().get("worker2").egresses().get(1));
    assertTrue(r.outcomes().get("egress").message().contains("no known address"));
  }

  @Test
  void missingGatewayMeansNotApplied() {
    CompilerInput in =
        new CompilerInput(
            List.of(policy("egress", "kube-system/missing", List.of("8.8.8.0/24"), "alice")),
            List.of(DEFAULT_GATEWAY),
            NAMESPACES,
            PODS,
            NODES,
            ASSIGNMENT);

    CompileResult r = PolicyCompiler.compile(in, Map.of());

    r.programs()
        .values()
        .forEach(
            p -> {
              assertTrue(
                  p.sources().values().stream().allMatch(id -> id == 0),
                  p.node() + ": known, not selected");
              assertEquals(Map.of(), p.ruleSets(), p.node());
              assertEquals(
                  List.of("8.8.8.0/24"), p.guardedPrefixes(), "still guarded: " + p.node());
            });
    assertEquals(Map.of("10.10.20.1", 0), r.programs().get("worker1").sources());
    PolicyOutcome o = r.outcomes().get("egress");
    assertFalse(o.applied());
    assertNull(o.egressIP());
    assertEquals("not applied: gateway kube-system/missing not found", o.message());
    assertEquals(
        List.of("192.168.1.100", "192.168.1.102"), r.programs().get("worker1").floatingIPs());
  }

  @Test
  void identicalPrefixGoesToTheSmallestPolicyNameAndOtherLengthsCoexist() {
    GatewayInput g2 = new GatewayInput("kube-system/g2", List.of("192.168.1.110"));
    CompilerInput in =
        new CompilerInput(
            List.of(
                policy("zeta", "kube-system/g2", List.of("8.8.8.0/24", "1.1.1.1"), "alice"),
                policy(
                    "alpha", "kube-system/default", List.of("8.8.8.0/24", "8.8.0.0/16"), "alice")),
            List.of(DEFAULT_GATEWAY, g2),
            NAMESPACES,
            PODS,
            NODES,
            Map.of("192.168.1.100", "worker1", "192.168.1.110", "worker2"));

    CompileResult r = PolicyCompiler.compile(in, Map.of());

    int alpha = r.egressIds().get("alpha");
    int zeta = r.egressIds().get("zeta");
    NodeProgram w2 = r.programs().get("worker2");
    int set = w2.sources().get("10.10.10.1");
    assertEquals(
        List.of(
            new Route("1.1.1.1/32", zeta),
            new Route("8.8.0.0/16", alpha),
            new Route("8.8.8.0/24", alpha)),
        w2.ruleSets().get(set));
    assertEquals(
        List.of(new PolicyOutcome.PrefixConflict("8.8.8.0/24", "alpha")),
        r.outcomes().get("zeta").conflictsLost());
    assertEquals(List.of(), r.outcomes().get("alpha").conflictsLost());
  }

  @Test
  void podsSelectedByTheSamePoliciesShareARuleSet() {
    GatewayInput g2 = new GatewayInput("kube-system/g2", List.of("192.168.1.110"));
    List<PodInput> pods = new ArrayList<>(PODS);
    pods.add(pod("alice", "frontend-2", "frontend", "10.10.10.3", "worker2"));
    CompilerInput in =
        new CompilerInput(
            List.of(
                policy("a", "kube-system/default", List.of("8.8.8.0/24"), "alice", "paul"),
                policy("b", "kube-system/g2", List.of("9.9.9.0/24"), "alice")),
            List.of(DEFAULT_GATEWAY, g2),
            NAMESPACES,
            pods,
            NODES,
            ASSIGNMENT);

    NodeProgram w2 = PolicyCompiler.compile(in, Map.of()).programs().get("worker2");
    NodeProgram w1 = PolicyCompiler.compile(in, Map.of()).programs().get("worker1");

    assertEquals(w2.sources().get("10.10.10.1"), w2.sources().get("10.10.10.3"));
    assertNotEquals(w2.sources().get("10.10.10.1"), w1.sources().get("10.10.20.1"));
    assertEquals(2, w2.ruleSets().get(w2.sources().get("10.10.10.1")).size(), "union of a and b");
    assertEquals(1, w1.ruleSets().get(w1.sources().get("10.10.20.1")).size(), "a only");
  }

  @Test
  void gatewayServesOnlyPoliciesWhoseEgressIpItHolds() {
    // worker2 holds .101, which is not the first IP of the group: it serves no policy.
    CompileResult r = PolicyCompiler.compile(CompilerFixtures.reference(), Map.of());

    assertFalse(r.programs().get("worker2").sources().containsKey("10.10.20.1"));
  }

  @Test
  void egressIdsAreKeptAcrossCompilesWhilePoliciesExist() {
    CompilerInput first =
        new CompilerInput(
            List.of(
                policy("m", "kube-system/default", List.of("8.8.8.0/24"), "alice"),
                policy("z", "kube-system/default", List.of("9.9.9.0/24"), "alice")),
            List.of(DEFAULT_GATEWAY),
            NAMESPACES,
            PODS,
            NODES,
            ASSIGNMENT);
    Map<String, Integer> ids = PolicyCompiler.compile(first, Map.of()).egressIds();
    assertEquals(Map.of("m", 1, "z", 2), ids);

    CompilerInput second =
        new CompilerInput(
            List.of(
                policy("a", "kube-system/default", List.of("7.7.7.0/24"), "alice"),
                policy("z", "kube-system/default", List.of("9.9.9.0/24"), "alice")),
            List.of(DEFAULT_GATEWAY),
            NAMESPACES,
            PODS,
            NODES,
            ASSIGNMENT);

    assertEquals(
        Map.of("a", 1, "z", 2),
        PolicyCompiler.compile(second, ids).egressIds(),
        "z keeps 2 although a sorts first; a reuses m's freed id");
  }

  @Test
  void cidrsAreCanonicalAndInvalidOnesReported() {
    CompilerInput in =
        new CompilerInput(
            List.of(
                policy(
                    "p",
                    "kube-system/default",
                    List.of("8.8.8.8/24", "8.8.8.0/24", "bogus", "8.8.8.0/33"),
                    "alice")),
            List.of(DEFAULT_GATEWAY),
            NAMESPACES,
            PODS,
            NODES,
            ASSIGNMENT);

    CompileResult r = PolicyCompiler.compile(in, Map.of());

    NodeProgram w2 = r.programs().get("worker2");
    assertEquals(
        List.of(new Route("8.8.8.0/24", 1)), w2.ruleSets().get(w2.sources().get("10.10.10.1")));
    assertEquals(List.of("bogus", "8.8.8.0/33"), r.outcomes().get("p").invalidCidrs());
  }

  @Test
  void recycledPodIpGoesToTheSmallestPodKey() {
    List<PodInput> pods = new ArrayList<>(PODS);
    pods.add(pod("paul", "frontend-old", "frontend", "10.10.10.1", "worker2"));
    GatewayInput g2 = new GatewayInput("kube-system/g2", List.of("192.168.1.110"));
    CompilerInput in =
        new CompilerInput(
            List.of(
                policy("a", "kube-system/default", List.of("8.8.8.0/24"), "alice"),
                policy("b", "kube-system/g2", List.of("9.9.9.0/24"), "paul")),
            List.of(DEFAULT_GATEWAY, g2),
            NAMESPACES,
            pods,
            NODES,
            ASSIGNMENT);

    NodeProgram w2 = PolicyCompiler.compile(in, Map.of()).programs().get("worker2");

    int set = w2.sources().get("10.10.10.1");
    assertEquals(
        List.of(new Route("8.8.8.0/24", 1)),
        w2.ruleSets().get(set),
        "alice/frontend < paul/frontend-old");
  }

  @Test
  void podInANamespaceWithoutLabelsIsOnlySelectedByAnEmptyNamespaceSelector() {
    List<PodInput> pods = List.of(pod("ghost", "x", "frontend", "10.10.40.1", "worker2"));
    PolicyInput any =
        new PolicyInput(
            "any",
            List.of(new PolicyInput.Rule(Map.of(), Map.of("role", "frontend"))),
            List.of("8.8.8.0/24"),
            "kube-system/default");
    CompilerInput in =
        new CompilerInput(
            List.of(any, SelectionTest.REFERENCE),
            List.of(DEFAULT_GATEWAY),
            NAMESPACES,
            pods,
            NODES,
            ASSIGNMENT);

    CompileResult r = PolicyCompiler.compile(in, Map.of());

    NodeProgram w2 = r.programs().get("worker2");
    Route only = w2.ruleSets().get(w2.sources().get("10.10.40.1")).get(0);
    assertEquals(r.egressIds().get("any"), only.egressId());
  }

  @Test
  void sameInputSameOutput() {
    CompilerInput in = CompilerFixtures.reference();
    List<PodInput> reversed = new ArrayList<>(in.pods());
    java.util.Collections.reverse(reversed);
    CompilerInput shuffled =
        new CompilerInput(
            in.policies(), in.gateways(), in.namespaces(), reversed, in.nodes(), in.assignment());

    assertEquals(PolicyCompiler.compile(in, Map.of()), PolicyCompiler.compile(shuffled, Map.of()));
  }
}

package io.egressgw.policy;

import static io.egressgw.policy.CompilerFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.program.NodeProgram;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which nodes one event reprograms, on the reference cluster plus a third worker (worker1 holds the
 * egress IP 192.168.1.100 and so is the gateway).
 */
class IncrementalCompilerTest {
  private IncrementalCompiler c;

  @BeforeEach
  void setUp() {
    CompilerInput ref = CompilerFixtures.reference();
    List<NodeInput> nodes = new ArrayList<>(ref.nodes());
    nodes.add(new NodeInput("worker3", "192.168.1.3"));
    c =
        IncrementalCompiler.of(
            new CompilerInput(
                ref.policies(),
                ref.gateways(),
                ref.namespaces(),
                ref.pods(),
                nodes,
                ref.assignment()),
            Map.of());
  }

  @Test
  void unselectedPodChangesOnlyItsOwnNodeWhichKnowsItWithRuleSetZero() {
    assertEquals(
        Set.of("worker3"), c.podUpserted(pod("bob", "web", "frontend", "10.10.30.9", "worker3")));
    assertEquals(Map.of("10.10.30.9", 0), c.programFor("worker3").sources());
    assertEquals(Map.of(), c.programFor("worker3").ruleSets(), "rule set 0 has no routes");
    assertFalse(c.programFor("worker1").sources().containsKey("10.10.30.9"), "not on the gateway");
    assertEquals(Set.of("worker3"), c.podDeleted("bob", "web"));
    assertEquals(Map.of(), c.programFor("worker3").sources());
  }

  @Test
  void unselectedPodWithoutAddressChangesNothing() {
    assertEquals(Set.of(), c.podUpserted(pod("bob", "web", "frontend", null, "worker3")));
  }

  @Test
  void podLosingItsSelectionStaysKnownOnItsNode() {
    assertEquals(
        Set.of("worker1", "worker2"),
        c.podUpserted(pod("alice", "frontend", "other", "10.10.10.1", "worker2")));
    assertEquals(0, c.programFor("worker2").sources().get("10.10.10.1"));
    assertFalse(c.programFor("worker1").sources().containsKey("10.10.10.1"));
  }

  @Test
  void everyProgramListsTheExcludedPrefixesAndAChangeReprogramsEveryNode() {
    assertEquals(List.of(), c.programFor("worker1").excludedPrefixes(), "none given yet");

    Set<String> changed =
        c.excludedPrefixesChanged(
            List.of("192.168.1.3/32", "10.10.0.0/16", "10.96.0.5/12", "bogus", "192.168.1.1"));

    assertEquals(Set.of("worker1", "worker2", "worker3"), changed);
    for (NodeProgram p : c.programs().values()) {
      assertEquals(
          List.of("10.10.0.0/16", "10.96.0.0/12", "192.168.1.1/32", "192.168.1.3/32"),
          p.excludedPrefixes(),
          "canonical, sorted, invalid dropped: " + p.node());
      assertEquals(List.of("8.8.8.0/24"), p.guardedPrefixes(), "the guard is unchanged");
    }
    assertEquals(
        Set.of(),
        c.excludedPrefixesChanged(
            List.of("192.168.1.1/32", "10.10.0.0/16", "10.96.0.0/12", "192.168.1.3/32")),
        "the same set in another order changes nothing");
  }

  @Test
  void theFullCompileCarriesTheExcludedPrefixesOfItsInput() {
    CompilerInput ref = CompilerFixtures.reference();

    IncrementalCompiler full =
        IncrementalCompiler.of(
            new CompilerInput(
                ref.policies(),
                ref.gateways(),
                ref.namespaces(),
                ref.pods(),
                ref.nodes(),
                ref.assignment(),
                List.of("10.10.0.0/16", "0.0.0.0/0")),
            Map.of());

    for (NodeProgram p : full.programs().values()) {
      assertEquals(List.of("0.0.0.0/0", "10.10.0.0/16"), p.excludedPrefixes(), p.node());
    }
  }

  @Test
  void everyNodeGuardsEveryPolicysPrefixes() {
    for (NodeProgram p : c.programs().values()) {
      assertEquals(List.of("8.8.8.0/24"), p.guardedPrefixes(), p.node());
    }
    assertEquals(
        Set.of("worker1", "worker2", "worker3"),
        c.policyUpserted(
            CompilerFixtures.policy(
                "zz", "kube-system/missing", List.of("1.1.1.1", "1.0.0.0/8"), "bob")),
        "a new guarded prefix (even of a policy not applied) changes every node");
    assertEquals(
        List.of("1.0.0.0/8", "1.1.1.1/32", "8.8.8.0/24"),
        c.programFor("worker3").guardedPrefixes());
    assertEquals(
        Set.of(),
        c.policyUpserted(
            CompilerFixtures.policy(
                "zz", "kube-system/missing", List.of("1.0.0.0/8", "1.1.1.1/32"), "bob")),
        "same prefixes, same programs");
  }

  @Test
  void selectedPodChangesItsNodeAndItsGateway() {
    assertEquals(
        Set.of("worker1", "worker3"),
        c.podUpserted(pod("alice", "web", "frontend", "10.10.10.9", "worker3")));
    assertTrue(c.programFor("worker3").sources().containsKey("10.10.10.9"));
    assertTrue(c.programFor("worker1").sources().containsKey("10.10.10.9"));
    assertFalse(c.programFor("worker2").sources().containsKey("10.10.10.9"));
  }

  @Test
  void selectedPodOnTheGatewayNodeChangesOnlyThatNode() {
    assertEquals(
        Set.of("worker1"), c.podUpserted(pod("paul", "web", "frontend", "10.10.20.9", "worker1")));
  }

  @Test
  void podGettingItsIpIsProgrammedThen() {
    assertEquals(
        Set.of("worker1"),
        c.podUpserted(pod("alice", "pending", "frontend", "10.10.10.7", "worker1")));
  }

  @Test
  void repeatedUpsertAndUnknownDeleteChangeNothing() {
    assertEquals(
        Set.of(), c.podUpserted(pod("alice", "frontend", "frontend", "10.10.10.1", "worker2")));
    assertEquals(Set.of(), c.podDeleted("alice", "nope"));
  }

  @Test
  void podDeletedLeavesItsNodeAndGateway() {
    assertEquals(Set.of("worker1", "worker2"), c.podDeleted("alice", "frontend"));
    assertEquals(
        Map.of("10.10.10.2", 0, "10.10.30.1", 0),
        c.programFor("worker2").sources(),
        "the unselected pods stay known");
  }

  @Test
  void namespaceRelabelSelectsItsPods() {
    assertEquals(
        Set.of("worker1", "worker2"),
        c.namespaceUpserted(new NamespaceInput("bob", Map.of("user", "alice"))));
    assertTrue(c.programFor("worker2").sources().containsKey("10.10.30.1"));
  }

  @Test
  void egressIpMovingReprogramsEveryNodeOfThePolicy() {
    Set<String> changed =
        c.assignmentChanged(
            Map.of(
                "192.168.1.100",
                "worker3",
                "192.168.1.101",
                "worker2",
                "192.168.1.102",
                "worker1"));

    assertEquals(Set.of("worker1", "worker2", "worker3"), changed);
    NodeProgram.Egress e = c.programFor("worker2").egresses().get(1);
    assertEquals("worker3", e.gatewayNode());
    assertEquals("192.168.1.3", e.gatewayNodeIP());
    assertEquals(List.of("192.168.1.100"), c.programFor("worker3").floatingIPs());
    assertEquals(2, c.programFor("worker3").sources().size(), "the new gateway serves both pods");
  }

  @Test
  void floatingIpsThatAreNotAddressesAreAllListedAfterTheAddressesByText() {
    // "Aa" and "BB" have the same hashCode: a key derived from it kept only one of them.
    c.floatingIpMoved("BB", "worker2");
    c.floatingIpMoved("Aa", "worker2");

    assertEquals(List.of("192.168.1.101", "Aa", "BB"), c.programFor("worker2").floatingIPs());
  }

  @Test
  void nonEgressFloatingIpMovingChangesOnlyTheTwoHolders() {
    assertEquals(Set.of("worker2", "worker3"), c.floatingIpMoved("192.168.1.101", "worker3"));
  }

  @Test
  void policyDeletedUnprogramsAndFreesTheId() {
    assertEquals(
        Set.of("worker1", "worker2", "worker3"),
        c.policyDeleted("egress"),
        "its prefixes are no longer guarded anywhere");
    assertEquals(List.of(), c.programFor("worker3").guardedPrefixes());
    assertEquals(
        Map.of("10.10.10.1", 0, "10.10.10.2", 0, "10.10.30.1", 0),
        c.programFor("worker2").sources());
    assertNull(c.outcome("egress"));
    c.policyUpserted(
        CompilerFixtures.policy("other", "kube-system/default", List.of("1.1.1.1"), "bob"));
    assertEquals(Map.of("other", 1), c.egressIds());
  }

  @Test
  void gatewayNodeDeletedFailsClosed() {
    assertEquals(Set.of("worker1", "worker2"), c.nodeDeleted("worker1"));
    assertNull(c.programFor("worker1"));
    assertFalse(c.programFor("worker2").egresses().get(1).hasGateway());
  }

  @Test
  void gatewayDeletedUnappliesItsPolicies() {
    assertEquals(Set.of("worker1", "worker2"), c.gatewayDeleted("kube-system/default"));
    assertFalse(c.outcome("egress").applied());
    assertEquals(
        List.of("192.168.1.100", "192.168.1.102"),
        c.programFor("worker1").floatingIPs(),
        "the assignment, not the group, decides what a node holds");
  }
}

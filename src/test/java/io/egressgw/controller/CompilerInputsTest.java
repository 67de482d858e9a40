package io.egressgw.controller;

import static io.egressgw.controller.ClusterFixtures.group;
import static io.egressgw.controller.ClusterFixtures.policy;
import static io.egressgw.controller.ClusterFixtures.readyNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.policy.GatewayInput;
import io.egressgw.policy.NamespaceInput;
import io.egressgw.policy.NodeInput;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.PolicyInput;
import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeSpecBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Cached fabric8 objects into the policy compiler's inputs. */
class CompilerInputsTest {

  private static Pod pod(String phase, Boolean hostNetwork) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("ns")
        .withName("p")
        .withLabels(Map.of("app", "a"))
        .endMetadata()
        .withNewSpec()
        .withNodeName("w1")
        .withHostNetwork(hostNetwork)
        .endSpec()
        .withNewStatus()
        .withPodIP("10.244.1.5")
        .withPhase(phase)
        .endStatus()
        .build();
  }

  static Stream<Arguments> pods() {
    PodInput running = new PodInput("ns", "p", Map.of("app", "a"), "10.244.1.5", "w1");
    return Stream.of(
        Arguments.of("a running pod sends", pod("Running", null), running),
        Arguments.of("a pending pod is known by its IP", pod("Pending", false), running),
        Arguments.of("a hostNetwork pod sends as its node", pod("Running", true), null),
        Arguments.of("a succeeded pod sends nothing", pod("Succeeded", null), null),
        Arguments.of("a failed pod sends nothing", pod("Failed", null), null),
        Arguments.of("a pod gone from the cache", null, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pods")
  void pod(String description, Pod cached, PodInput expected) {
    assertEquals(expected, CompilerInputs.pod(cached));
  }

  @Test
  void podsKeepOnlyThoseThatSendSortedByKey() {
    Pod b = pod("Running", null);
    b.getMetadata().setName("b");
    Pod a = pod("Running", null);
    a.getMetadata().setName("a");

    assertEquals(
        List.of("ns/a", "ns/b"),
        CompilerInputs.pods(List.of(b, pod("Succeeded", null), a)).stream()
            .map(PodInput::key)
            .toList());
  }

  @Test
  void policiesBecomeRulesDestinationsAndAGatewayKeySortedByName() {
    EgressNATPolicy z =
        policy(
            "z", Map.of("team", "x"), Map.of("app", "a"), "10.0.0.0/8", "kube-system", "default");
    EgressNATPolicy a = policy("a", null, null, "192.0.2.0/24", "ns", "g");
    EgressNATPolicy noSpec = new EgressNATPolicy();
    noSpec.setMetadata(new ObjectMetaBuilder().withName("no-spec").build());

    List<PolicyInput> inputs = CompilerInputs.policies(List.of(z, noSpec, a));

    assertEquals(
        List.of(
            new PolicyInput(
                "a", List.of(new PolicyInput.Rule(null, null)), List.of("192.0.2.0/24"), "ns/g"),
            new PolicyInput(
                "z",
                List.of(new PolicyInput.Rule(Map.of("team", "x"), Map.of("app", "a"))),
                List.of("10.0.0.0/8"),
                "kube-system/default")),
        inputs,
        "a policy without spec is left out");
  }

  @Test
  void gatewaysAndNamespacesSortedByKey() {
    assertEquals(
        List.of(
            new GatewayInput("a/g", List.of("192.168.1.101")),
            new GatewayInput("b/g", List.of("192.168.1.100"))),
        CompilerInputs.gateways(
            List.of(
                group("b", "g", Map.of(), "192.168.1.100"),
                group("a", "g", Map.of(), "192.168.1.101"))));
    assertEquals(
        List.of(new NamespaceInput("a", Map.of("team", "x")), new NamespaceInput("b", Map.of())),
        CompilerInputs.namespaces(
            List.of(
                new NamespaceBuilder().withNewMetadata().withName("b").endMetadata().build(),
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName("a")
                    .withLabels(Map.of("team", "x"))
                    .endMetadata()
                    .build())));
  }

  // The controller checks each heartbeat against the Node before it records it (ReportedNodeIp,
  // issue 15), so a recorded IP differs from the Node's InternalIP only when there was none to
  // check against then (w2: not in the cache yet); a mismatch is recorded as the InternalIP (w3).
  @Test
  void aNodesIpIsTheOneItsCheckedHeartbeatRecordedElseItsInternalIp() {
    Node w3 = readyNode("w3", "192.168.1.13", Map.of());
    AgentLiveness liveness = new AgentLiveness(Duration.ofMillis(300));
    liveness.heartbeat(
        ReportedNodeIp.check(
                new NodeReport(
                    "w2", "agent-1", "10.1.0.2", List.of("10.1.0.2/24"), 0, List.of(), Map.of(), 0),
                null)
            .report(),
        Instant.EPOCH);
    liveness.heartbeat(
        ReportedNodeIp.check(
                new NodeReport(
                    "w3",
                    "agent-3",
                    "192.168.1.2",
                    List.of("192.168.1.0/24"),
                    0,
                    List.of(),
                    Map.of(),
                    0),
                w3)
            .report(),
        Instant.EPOCH);

    List<NodeInput> nodes =
        CompilerInputs.nodes(
            List.of(
                readyNode("w2", "192.168.1.12", Map.of()),
                w3,
                readyNode("w1", "192.168.1.11", Map.of())),
            liveness);

    assertEquals(
        List.of(
            new NodeInput("w1", "192.168.1.11"),
            new NodeInput("w2", "10.1.0.2"),
            new NodeInput("w3", "192.168.1.13")),
        nodes);
    assertNull(CompilerInputs.pod(null));
  }

  @Test
  void podCidrsNodeAddressesServiceAndOperatorCidrsAreExcluded() {
    Node worker1 = readyNode("worker1", "192.168.1.11", Map.of());
    worker1.setSpec(
        new NodeSpecBuilder()
            .withPodCIDR("10.10.1.0/24")
            .withPodCIDRs("10.10.1.0/24", "fd00:10:1::/64")
            .build());
    worker1
        .getStatus()
        .getAddresses()
        .add(new NodeAddressBuilder().withType("ExternalIP").withAddress("203.0.113.11").build());
    worker1
        .getStatus()
        .getAddresses()
        .add(new NodeAddressBuilder().withType("Hostname").withAddress("worker1").build());
    Node worker2 = readyNode("worker2", "192.168.1.12", Map.of());
    worker2.setSpec(new NodeSpecBuilder().withPodCIDR("10.10.2.0/24").build());

    List<String> excluded =
        CompilerInputs.excludedPrefixes(
            List.of(worker2, worker1), List.of("10.96.0.0/12"), List.of("172.16.0.0/12", " "));

    assertEquals(
        List.of(
            "10.10.1.0/24",
            "10.10.2.0/24",
            "10.96.0.0/12",
            "172.16.0.0/12",
            "192.168.1.11/32",
            "192.168.1.12/32",
            "203.0.113.11/32"),
        excluded,
        "IPv4 only; hostnames and IPv6 pod CIDRs are not destinations the dataplane sees");
  }

  @Test
  void noNodesAndNoSettingsExcludeNothing() {
    assertEquals(List.of(), CompilerInputs.excludedPrefixes(List.of(), List.of(), List.of()));
  }
}

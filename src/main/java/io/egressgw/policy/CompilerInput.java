package io.egressgw.policy;

import java.util.List;
import java.util.Map;

/**
 * Everything the compiler reads, as one value (for the full compile).
 *
 * @param policies EgressNATPolicies
 * @param gateways NetworkGatewayGroups
 * @param namespaces namespaces with labels; a pod's namespace missing here has no labels
 * @param pods pods
 * @param nodes nodes; exactly these get programs
 * @param assignment floating IP -> node holding it (placement's result)
 * @param excludedPrefixes destinations never steered: in-cluster CIDRs and addresses, the
 *     operator's excluded CIDRs ({@link io.egressgw.program.NodeProgram#excludedPrefixes})
 */
public record CompilerInput(
    List<PolicyInput> policies,
    List<GatewayInput> gateways,
    List<NamespaceInput> namespaces,
    List<PodInput> pods,
    List<NodeInput> nodes,
    Map<String, String> assignment,
    List<String> excludedPrefixes) {
  public CompilerInput {
    policies = policies == null ? List.of() : List.copyOf(policies);
    gateways = gateways == null ? List.of() : List.copyOf(gateways);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    pods = pods == null ? List.of() : List.copyOf(pods);
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    assignment = assignment == null ? Map.of() : Map.copyOf(assignment);
    excludedPrefixes = excludedPrefixes == null ? List.of() : List.copyOf(excludedPrefixes);
  }

  /** Everything the compiler reads, with no excluded destination. */
  public CompilerInput(
      List<PolicyInput> policies,
      List<GatewayInput> gateways,
      List<NamespaceInput> namespaces,
      List<PodInput> pods,
      List<NodeInput> nodes,
      Map<String, String> assignment) {
    this(policies, gateways, namespaces, pods, nodes, assignment, List.of());
  }
}

package io.egressgw.controller;

import io.egressgw.api.v1.Destination;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.SourceRule;
import io.egressgw.policy.GatewayInput;
import io.egressgw.policy.NamespaceInput;
import io.egressgw.policy.NodeInput;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.PolicyInput;
import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Turns cached fabric8 objects into the policy compiler's plain inputs (pure), each list sorted by
 * its key so that equal caches give equal inputs.
 */
final class CompilerInputs {
  private CompilerInputs() {}

  /** Policies with a spec, by name; a gateway reference becomes {@code namespace/name}. */
  static List<PolicyInput> policies(Collection<EgressNATPolicy> cached) {
    List<PolicyInput> policies = new ArrayList<>();
    for (EgressNATPolicy p : cached) {
      if (p.getSpec() == null) {
        continue;
      }
      List<PolicyInput.Rule> rules = new ArrayList<>();
      List<SourceRule> sources =
          p.getSpec().getSources() == null ? List.of() : p.getSpec().getSources();
      for (SourceRule r : sources) {
        rules.add(
            new PolicyInput.Rule(
                r.getNamespaceSelector() == null ? null : r.getNamespaceSelector().getMatchLabels(),
                r.getPodSelector() == null ? null : r.getPodSelector().getMatchLabels()));
      }
      List<String> cidrs =
          p.getSpec().getDestinations() == null
              ? List.of()
              : p.getSpec().getDestinations().stream()
                  .map(Destination::getCidr)
                  .filter(Objects::nonNull)
                  .toList();
      String gateway =
          p.getSpec().getGatewayRef() == null
              ? null
              : p.getSpec().getGatewayRef().getNamespace()
                  + "/"
                  + p.getSpec().getGatewayRef().getName();
      policies.add(new PolicyInput(p.getMetadata().getName(), rules, cidrs, gateway));
    }
    policies.sort(Comparator.comparing(PolicyInput::name));
    return policies;
  }

  /** Gateway groups and their floating IPs, by key. */
  static List<GatewayInput> gateways(Collection<NetworkGatewayGroup> cached) {
    List<GatewayInput> gateways = new ArrayList<>();
    for (NetworkGatewayGroup g : cached) {
      gateways.add(new GatewayInput(PlacementInputs.key(g), PlacementInputs.floatingIPs(g)));
    }
    gateways.sort(Comparator.comparing(GatewayInput::key));
    return gateways;
  }

  /** Namespaces and their labels, by name. */
  static List<NamespaceInput> namespaces(Collection<Namespace> cached) {
    List<NamespaceInput> namespaces = new ArrayList<>();
    for (Namespace n : cached) {
      namespaces.add(new NamespaceInput(n.getMetadata().getName(), ClusterCache.labels(n)));
    }
    namespaces.sort(Comparator.comparing(NamespaceInput::name));
    return namespaces;
  }

  /** The pods that send traffic of their own ({@link #pod}), by key. */
  static List<PodInput> pods(Collection<Pod> cached) {
    List<PodInput> pods = new ArrayList<>();
    for (Pod p : cached) {
      PodInput in = pod(p);
      if (in != null) {
        pods.add(in);
      }
    }
    pods.sort(Comparator.comparing(PodInput::key));
    return pods;
  }

  /**
   * The compiler's view of a pod; null when it sends nothing of its own (gone, hostNetwork,
   * finished).
   */
  static PodInput pod(Pod p) {
    if (p == null) {
      return null;
    }
    ClusterCache.PodFacts f = ClusterCache.facts(p);
    if (f.hostNetwork() || "Succeeded".equals(f.phase()) || "Failed".equals(f.phase())) {
      return null;
    }
    return new PodInput(f.namespace(), f.name(), f.labels(), f.ip(), f.node());
  }

  /**
   * The destinations no program steers ({@link io.egressgw.program.NodeProgram#excludedPrefixes}):
   * every Node's spec.podCIDRs (or spec.podCIDR), each of its InternalIP and ExternalIP addresses
   * as a /32, the service CIDRs and the operator's excluded CIDRs. IPv4 only (the dataplane is
   * IPv4); sorted and deduplicated (the compiler canonicalises them again).
   */
  static List<String> excludedPrefixes(
      Collection<Node> cached, List<String> serviceCidrs, List<String> excludedCidrs) {
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    for (Node n : cached) {
      if (n.getSpec() != null) {
        if (n.getSpec().getPodCIDRs() != null) {
          n.getSpec().getPodCIDRs().forEach(c -> addIpv4(out, c));
        }
        addIpv4(out, n.getSpec().getPodCIDR());
      }
      if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
        for (NodeAddress a : n.getStatus().getAddresses()) {
          if ("InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType())) {
            String ip = a.getAddress();
            addIpv4(out, ip == null || ip.contains("/") ? ip : ip + "/32");
          }
        }
      }
    }
    serviceCidrs.forEach(c -> addIpv4(out, c));
    excludedCidrs.forEach(c -> addIpv4(out, c));
    return List.copyOf(out);
  }

  /**
   * The service CIDRs: those of the settings, then those of the cluster's ServiceCIDR objects (its
   * {@code spec.cidrs}); either may be empty.
   */
  static List<String> serviceCidrs(List<String> settings, List<String> objects) {
    List<String> out = new java.util.ArrayList<>(settings);
    out.addAll(objects);
    return List.copyOf(out);
  }

  private static void addIpv4(java.util.Set<String> out, String cidr) {
    if (cidr != null && !cidr.isBlank() && !cidr.contains(":")) {
      out.add(cidr.trim());
    }
  }

  /**
   * Nodes by name, each with the node IP of its agent's last recorded heartbeat (already checked
   * against the Node, {@link ReportedNodeIp}), else the Node's InternalIP.
   */
  static List<NodeInput> nodes(Collection<Node> cached, AgentLiveness liveness) {
    List<NodeInput> nodes = new ArrayList<>();
    for (Node n : cached) {
      ClusterCache.NodeFacts f = ClusterCache.facts(n);
      String ip = liveness.report(f.name()).map(NodeReport::nodeIP).orElse(f.internalIP());
      nodes.add(new NodeInput(f.name(), ip));
    }
    nodes.sort(Comparator.comparing(NodeInput::name));
    return nodes;
  }
}

package io.egressgw.validation;

import io.egressgw.api.v1.Destination;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicySpec;
import io.egressgw.api.v1.GatewayRef;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.SourceRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates one EgressNATPolicy on its own: at least one source rule with well-formed selectors,
 * action SNAT, at least one destination that is an IPv4 network (no host bits, prefix 0-32), and a
 * complete gatewayRef. Whether the referenced group exists is {@link ResourceAdmission}'s concern.
 */
public final class EgressNATPolicyValidator {
  private EgressNATPolicyValidator() {}

  public static List<Violation> validate(EgressNATPolicy policy) {
    List<Violation> out = new ArrayList<>();
    ObjectMetaRules.check(
        policy, NetworkGatewayGroup.API_VERSION, EgressNATPolicy.KIND, false, out);
    EgressNATPolicySpec spec = policy.getSpec();
    if (spec == null) {
      out.add(new Violation("spec", "is required: sources, action, destinations and gatewayRef"));
      return out;
    }
    sources(spec.getSources(), out);
    if (spec.getAction() == null) {
      out.add(new Violation("spec.action", "is required: the only action is SNAT"));
    } else if (!EgressNATPolicySpec.ACTION_SNAT.equals(spec.getAction())) {
      out.add(
          new Violation(
              "spec.action", "unknown action '" + spec.getAction() + "': the only action is SNAT"));
    }
    destinations(spec.getDestinations(), out);
    gatewayRef(spec.getGatewayRef(), out);
    return out;
  }

  private static void sources(List<SourceRule> sources, List<Violation> out) {
    if (sources == null || sources.isEmpty()) {
      out.add(
          new Violation(
              "spec.sources",
              "at least one source rule (namespaceSelector and podSelector) is required"));
      return;
    }
    for (int i = 0; i < sources.size(); i++) {
      String field = "spec.sources[" + i + "]";
      SourceRule rule = sources.get(i);
      if (rule == null) {
        out.add(
            new Violation(
                field, "must be a rule with namespaceSelector and podSelector, got null"));
        continue;
      }
      if (rule.getNamespaceSelector() != null) {
        ObjectMetaRules.labels(
            field + ".namespaceSelector.matchLabels",
            rule.getNamespaceSelector().getMatchLabels(),
            out);
      }
      if (rule.getPodSelector() != null) {
        ObjectMetaRules.labels(
            field + ".podSelector.matchLabels", rule.getPodSelector().getMatchLabels(), out);
      }
    }
  }

  private static void destinations(List<Destination> destinations, List<Violation> out) {
    if (destinations == null || destinations.isEmpty()) {
      out.add(new Violation("spec.destinations", "at least one destination {cidr} is required"));
      return;
    }
    for (int i = 0; i < destinations.size(); i++) {
      Destination d = destinations.get(i);
      String field = "spec.destinations[" + i + "].cidr";
      if (d == null || d.getCidr() == null) {
        out.add(new Violation(field, "is required: an IPv4 CIDR block such as 203.0.113.0/24"));
        continue;
      }
      Ipv4Syntax.cidrProblem(d.getCidr()).ifPresent(p -> out.add(new Violation(field, p)));
    }
  }

  private static void gatewayRef(GatewayRef ref, List<Violation> out) {
    if (ref == null) {
      out.add(
          new Violation(
              "spec.gatewayRef",
              "is required: {name, namespace} of the NetworkGatewayGroup whose first floating IP is"
                  + " the egress address"));
      return;
    }
    KubernetesNames.subdomainProblem(ref.getName())
        .ifPresent(p -> out.add(new Violation("spec.gatewayRef.name", p)));
    KubernetesNames.labelProblem(ref.getNamespace())
        .ifPresent(p -> out.add(new Violation("spec.gatewayRef.namespace", p)));
  }
}

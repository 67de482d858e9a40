package io.egressgw.policy;

import java.util.List;
import java.util.Map;

/**
 * An EgressNATPolicy as the compiler sees it.
 *
 * @param name policy name (cluster-scoped); also the tie-break for identical prefixes
 * @param sources selection rules, OR-ed
 * @param destinationCidrs IPv4 prefixes (a bare address means /32); host bits are ignored
 * @param gatewayKey the NetworkGatewayGroup, {@code namespace/name}
 */
public record PolicyInput(
    String name, List<Rule> sources, List<String> destinationCidrs, String gatewayKey) {

  public PolicyInput {
    sources = sources == null ? List.of() : List.copyOf(sources);
    destinationCidrs = destinationCidrs == null ? List.of() : List.copyOf(destinationCidrs);
  }

  /**
   * One selection rule: a pod matches when its namespace carries every namespaceSelector label and
   * the pod carries every podSelector label. An empty selector matches everything.
   */
  public record Rule(Map<String, String> namespaceSelector, Map<String, String> podSelector) {
    public Rule {
      namespaceSelector = namespaceSelector == null ? Map.of() : Map.copyOf(namespaceSelector);
      podSelector = podSelector == null ? Map.of() : Map.copyOf(podSelector);
    }

    /**
     * True when a pod with {@code podLabels} in a namespace with {@code namespaceLabels} matches.
     */
    public boolean matches(Map<String, String> namespaceLabels, Map<String, String> podLabels) {
      return Labels.containsAll(namespaceLabels, namespaceSelector)
          && Labels.containsAll(podLabels, podSelector);
    }
  }

  /** True when any rule matches (rules are OR-ed). */
  public boolean selects(Map<String, String> namespaceLabels, Map<String, String> podLabels) {
    for (Rule r : sources) {
      if (r.matches(namespaceLabels, podLabels)) {
        return true;
      }
    }
    return false;
  }
}

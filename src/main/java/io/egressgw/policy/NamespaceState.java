package io.egressgw.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One namespace as the compiler keeps it: its labels, its pods and its candidates, the applied
 * policies with a rule whose namespaceSelector matches it, with those rules' podSelectors. A pod is
 * then matched against its namespace's candidates only, never against every policy.
 */
final class NamespaceState {
  final String name;
  Map<String, String> labels = Map.of();
  boolean known; // told about (a namespace may exist only because pods name it)
  final Set<PodState> pods = new HashSet<>();
  final Map<PolicyState, List<Map<String, String>>> candidates = new LinkedHashMap<>();

  NamespaceState(String name) {
    this.name = name;
  }

  /** Recomputes whether (and through which rules) {@code p} may select pods here. */
  void refreshCandidate(PolicyState p) {
    candidates.remove(p);
    for (PolicyInput.Rule rule : p.input.sources()) {
      if (Labels.containsAll(labels, rule.namespaceSelector())) {
        addCandidate(p, rule);
      }
    }
  }

  void addCandidate(PolicyState p, PolicyInput.Rule rule) {
    candidates.computeIfAbsent(p, k -> new ArrayList<>(1)).add(rule.podSelector());
  }

  /** The policies selecting a pod of this namespace, sorted by name (the tie-break order). */
  PolicyState[] policiesSelecting(PodState pod) {
    if (candidates.isEmpty()) {
      return PolicyState.NONE;
    }
    PolicyState[] out = null;
    int n = 0;
    for (Map.Entry<PolicyState, List<Map<String, String>>> c : candidates.entrySet()) {
      if (anyMatches(c.getValue(), pod)) {
        if (out == null) {
          out = new PolicyState[candidates.size()];
        }
        out[n++] = c.getKey();
      }
    }
    if (n == 0) {
      return PolicyState.NONE;
    }
    PolicyState[] selected = n == out.length ? out : Arrays.copyOf(out, n);
    if (n > 1) {
      Arrays.sort(selected, PolicyState.BY_NAME);
    }
    return selected;
  }

  /** Adds to {@code into} the pods here that candidate {@code p} selects. */
  void addPodsSelectedBy(PolicyState p, Collection<PodState> into) {
    List<Map<String, String>> podSelectors = candidates.get(p);
    for (PodState pod : pods) {
      if (anyMatches(podSelectors, pod)) {
        into.add(pod);
      }
    }
  }

  private static boolean anyMatches(List<Map<String, String>> podSelectors, PodState pod) {
    for (Map<String, String> podSelector : podSelectors) {
      if (Labels.containsAll(pod.labels, podSelector)) {
        return true;
      }
    }
    return false;
  }
}

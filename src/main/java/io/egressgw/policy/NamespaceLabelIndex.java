package io.egressgw.policy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Namespaces by label (key -> value -> namespaces), so that a policy's namespaceSelector is checked
 * against the namespaces carrying one of its labels rather than against all of them: a policy event
 * in a cluster of thousands of namespaces looks at the few it may select.
 */
final class NamespaceLabelIndex {
  private final Map<String, Map<String, Set<NamespaceState>>> byLabel = new HashMap<>();

  /** Sets the labels of {@code ns}, moving it in the index. */
  void setLabels(NamespaceState ns, Map<String, String> labels) {
    for (Map.Entry<String, String> l : ns.labels.entrySet()) {
      Map<String, Set<NamespaceState>> byValue = byLabel.get(l.getKey());
      Set<NamespaceState> set = byValue.get(l.getValue());
      set.remove(ns);
      if (set.isEmpty()) {
        byValue.remove(l.getValue());
        if (byValue.isEmpty()) {
          byLabel.remove(l.getKey());
        }
      }
    }
    ns.labels = labels;
    for (Map.Entry<String, String> l : labels.entrySet()) {
      byLabel
          .computeIfAbsent(l.getKey(), k -> new HashMap<>())
          .computeIfAbsent(l.getValue(), v -> new HashSet<>())
          .add(ns);
    }
  }

  /**
   * The namespaces carrying the first label of a non-empty {@code selector}: a superset of the
   * namespaces it matches (the caller checks the other labels).
   */
  Set<NamespaceState> carryingFirstLabelOf(Map<String, String> selector) {
    Map.Entry<String, String> first = selector.entrySet().iterator().next();
    return byLabel.getOrDefault(first.getKey(), Map.of()).getOrDefault(first.getValue(), Set.of());
  }
}

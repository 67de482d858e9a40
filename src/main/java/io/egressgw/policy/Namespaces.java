package io.egressgw.policy;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The namespaces the compiler knows (told about, or named by a pod it was told about first), with
 * their labels indexed and their candidate policies ({@link NamespaceState#candidates}) kept up to
 * date as namespaces and policies come, change and go.
 */
final class Namespaces {
  private final Map<String, NamespaceState> byName = new HashMap<>();
  private final NamespaceLabelIndex byLabel = new NamespaceLabelIndex();
  private final Collection<PolicyState> policies;

  /**
   * @param policies every policy, a live view (a new namespace takes the applied ones)
   */
  Namespaces(Collection<PolicyState> policies) {
    this.policies = policies;
  }

  /** The namespace, or null. */
  NamespaceState get(String name) {
    return byName.get(name);
  }

  /** The namespace, created without labels (and with its candidates) when new. */
  NamespaceState getOrCreate(String name) {
    NamespaceState ns = byName.get(name);
    if (ns == null) {
      ns = new NamespaceState(name);
      byName.put(name, ns);
      refreshCandidates(ns);
    }
    return ns;
  }

  Collection<NamespaceState> all() {
    return byName.values();
  }

  /** The names of the namespaces the compiler was told about, a copy. */
  Set<String> knownNames() {
    Set<String> out = new HashSet<>();
    byName
        .values()
        .forEach(
            ns -> {
              if (ns.known) {
                out.add(ns.name);
              }
            });
    return out;
  }

  /** Forgets a namespace nobody refers to any more (not known, no pods). */
  void drop(NamespaceState ns) {
    byLabel.setLabels(ns, Map.of());
    byName.remove(ns.name);
  }

  /** Sets labels without touching candidates (the full compile adds policies afterwards). */
  void setLabels(NamespaceState ns, Map<String, String> labels) {
    byLabel.setLabels(ns, labels);
  }

  /** Sets labels and recomputes which applied policies may select the namespace's pods. */
  void relabel(NamespaceState ns, Map<String, String> labels) {
    byLabel.setLabels(ns, labels);
    ns.candidates.clear();
    refreshCandidates(ns);
  }

  private void refreshCandidates(NamespaceState ns) {
    for (PolicyState p : policies) {
      if (p.applied) {
        ns.refreshCandidate(p);
      }
    }
  }

  /** Makes applied policy {@code p} a candidate where its rules match; returns those namespaces. */
  Set<NamespaceState> addCandidates(PolicyState p) {
    Set<NamespaceState> matched = new HashSet<>();
    for (PolicyInput.Rule rule : p.input.sources()) {
      Collection<NamespaceState> scope =
          rule.namespaceSelector().isEmpty()
              ? byName.values()
              : byLabel.carryingFirstLabelOf(rule.namespaceSelector());
      for (NamespaceState ns : scope) {
        if (Labels.containsAll(ns.labels, rule.namespaceSelector())) {
          ns.addCandidate(p, rule);
          matched.add(ns);
        }
      }
    }
    return matched;
  }

  /** {@code p} is a candidate nowhere (before it changes or goes). */
  void removeCandidates(PolicyState p) {
    for (NamespaceState ns : byName.values()) {
      ns.candidates.remove(p);
    }
  }
}

package io.egressgw.policy;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The rule sets in use, by their set of policies, and their ids: one id per distinct set, shared by
 * all nodes, kept while any pod has that set; a new set takes the lowest free id. Moving a pod
 * between sets also keeps every policy's {@link PolicyState#selected} pods right.
 */
final class RuleSets {
  private final Map<RuleSet.Key, RuleSet> byKey = new HashMap<>();
  private final BitSet usedIds = new BitSet();

  /**
   * Full compile: creates the rule set of each of {@code sets}, numbered in {@link
   * RuleSet.Key#ORDER} so that equal inputs give equal programs.
   */
  void createInCanonicalOrder(Map<RuleSet.Key, PolicyState[]> sets) {
    RuleSet.Key[] keys = sets.keySet().toArray(new RuleSet.Key[0]);
    Arrays.sort(keys, RuleSet.Key.ORDER);
    for (RuleSet.Key key : keys) {
      create(key, sets.get(key));
    }
  }

  /** The rule set of {@code key} (created by {@link #createInCanonicalOrder}). */
  RuleSet get(RuleSet.Key key) {
    return byKey.get(key);
  }

  /** Gives {@code pod}, which has no rule set yet, the rule set {@code rs}. */
  void attach(PodState pod, RuleSet rs) {
    rs.refs++;
    pod.ruleSet = rs;
    for (PolicyState p : rs.policies) {
      p.selected.add(pod);
    }
  }

  /** Moves {@code pod} to the rule set of {@code set} (sorted by name; empty: none). */
  void assign(PodState pod, PolicyState[] set) {
    RuleSet old = pod.ruleSet;
    PolicyState[] before = pod.policies();
    if (Arrays.equals(before, set)) {
      return;
    }
    for (PolicyState p : before) {
      p.selected.remove(pod);
    }
    pod.ruleSet = null;
    if (set.length > 0) {
      RuleSet.Key key = RuleSet.Key.of(set);
      RuleSet rs = byKey.get(key);
      attach(pod, rs != null ? rs : create(key, set));
    }
    // Released last: the pod's new set never takes over the id the pod is leaving.
    if (old != null && --old.refs == 0) {
      byKey.remove(old.key);
      usedIds.clear(old.id);
    }
  }

  private RuleSet create(RuleSet.Key key, PolicyState[] set) {
    RuleSet rs = new RuleSet(usedIds.nextClearBit(1), key, set);
    usedIds.set(rs.id);
    byKey.put(key, rs);
    return rs;
  }
}

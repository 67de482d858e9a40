package io.egressgw.policy;

import java.util.Map;

/**
 * One pod as the compiler keeps it: its input, its namespace, the rule set of the policies
 * selecting it and the view of its node. Replaced, not changed, when the pod changes.
 */
final class PodState {
  final String key; // namespace/name
  final Map<String, String> labels;
  final String ip; // null: not programmed anywhere
  final String node; // null while unscheduled
  NamespaceState namespace;
  RuleSet ruleSet; // null: no policy selects it
  NodeView view; // of its node, null while unscheduled

  PodState(PodInput in) {
    key = in.key();
    labels = in.labels();
    ip = in.ip();
    node = in.node();
  }

  /** The policies selecting it, sorted by name. */
  PolicyState[] policies() {
    return ruleSet == null ? PolicyState.NONE : ruleSet.policies;
  }

  /** The rule set id it has in programs: 0 when no policy selects it. */
  int ruleSetId() {
    return ruleSet == null ? 0 : ruleSet.id;
  }
}

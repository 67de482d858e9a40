package io.egressgw.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Computes a policy's {@link PolicyOutcome} (its status) from the compiler's state on demand:
 * outcomes are asked for far less often than events arrive, so nothing is kept up to date for them
 * between events.
 */
final class PolicyOutcomes {
  private final Set<String> nodes;
  private final NodeViews views;
  private final PolicyEgresses egresses;
  private long epoch; // marks the views counted by the current outcome (NodeView.epoch)

  /**
   * @param nodes the known nodes, a live view
   * @param views where pods are shown
   * @param egresses the gateway groups
   */
  PolicyOutcomes(Set<String> nodes, NodeViews views, PolicyEgresses egresses) {
    this.nodes = nodes;
    this.views = views;
    this.egresses = egresses;
  }

  PolicyOutcome of(PolicyState p) {
    int selected = 0;
    long current = ++epoch;
    int programmed = 0;
    boolean remote = false;
    NodeView gateway = p.gatewayNode == null ? null : views.find(p.gatewayNode);
    for (PodState pod : p.selected) {
      if (pod.ip == null) {
        continue;
      }
      selected++;
      if (pod.view != null && pod.view.epoch != current) {
        pod.view.epoch = current;
        if (nodes.contains(pod.view.node)) {
          programmed++;
        }
      }
      remote |= pod.view != gateway || gateway == null;
    }
    if (remote && gateway != null && gateway.epoch != current && nodes.contains(gateway.node)) {
      programmed++;
    }
    String gatewayIp = p.egress == null ? null : p.egress.gatewayNodeIP();
    return new PolicyOutcome(
        p.name,
        p.egressId,
        p.applied,
        p.egressIp,
        p.gatewayNode,
        gatewayIp,
        selected,
        programmed,
        conflictsLost(p),
        p.invalidCidrs,
        message(p, gatewayIp));
  }

  /** Identical prefixes that a policy with a smaller name wins for some pod {@code p} selects. */
  private static List<PolicyOutcome.PrefixConflict> conflictsLost(PolicyState p) {
    Map<String, String> lost = new TreeMap<>(); // canonical prefix -> smallest winning name
    Set<RuleSet> seen = new HashSet<>();
    for (PodState pod : p.selected) {
      if (pod.ip == null || !seen.add(pod.ruleSet)) {
        continue;
      }
      for (PolicyState q : pod.ruleSet.policies) {
        if (q.name.compareTo(p.name) >= 0) {
          break; // sorted by name: only smaller names win
        }
        for (Cidr prefix : p.prefixes) {
          for (Cidr other : q.prefixes) {
            if (prefix.equals(other)) {
              lost.merge(prefix.toString(), q.name, (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
          }
        }
      }
    }
    List<PolicyOutcome.PrefixConflict> conflicts = new ArrayList<>();
    lost.forEach((cidr, winner) -> conflicts.add(new PolicyOutcome.PrefixConflict(cidr, winner)));
    return conflicts;
  }

  private String message(PolicyState p, String gatewayIp) {
    String group = p.input.gatewayKey();
    if (!p.applied) {
      return group == null || !egresses.hasGroup(group)
          ? "not applied: gateway " + group + " not found"
          : "not applied: gateway " + group + " has no floating IPs";
    }
    if (p.gatewayNode == null) {
      return "egress IP " + p.egressIp + " is not held by any node: selected traffic is dropped";
    }
    if (gatewayIp == null) {
      return "gateway node " + p.gatewayNode + " has no known address: selected traffic is dropped";
    }
    return "ready: egress IP " + p.egressIp + " on node " + p.gatewayNode;
  }
}

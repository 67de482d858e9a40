package io.egressgw.policy;

import java.util.List;

/**
 * What the compiler made of one policy (for its status and events).
 *
 * @param policy policy name
 * @param egressId the id carried in packet marks, stable while the policy exists
 * @param applied false when the policy selects nothing because its gateway is missing or has no
 *     floating IP (then its traffic is not steered: the reference's "failure to apply")
 * @param egressIP the first floating IP of the gateway, null when not applied
 * @param gatewayNode the node holding egressIP, null when none (fail closed: selected traffic to
 *     the destinations is dropped)
 * @param gatewayNodeIP that node's address, null when unknown (also fail closed)
 * @param selectedPods pods with an address that the policy selects
 * @param nodesProgrammed nodes whose program carries this policy: nodes of selected pods plus the
 *     gateway node when it serves remote pods
 * @param conflictsLost identical prefixes that another policy selecting the same pods also claims
 *     and wins (lexicographically smaller name)
 * @param invalidCidrs destinationCidrs entries that are not IPv4 prefixes (ignored)
 * @param message one human sentence: ready, not applied and why, or why traffic is dropped
 */
public record PolicyOutcome(
    String policy,
    int egressId,
    boolean applied,
    String egressIP,
    String gatewayNode,
    String gatewayNodeIP,
    int selectedPods,
    int nodesProgrammed,
    List<PrefixConflict> conflictsLost,
    List<String> invalidCidrs,
    String message) {

  public PolicyOutcome {
    conflictsLost = List.copyOf(conflictsLost);
    invalidCidrs = List.copyOf(invalidCidrs);
  }

  /** True when selected traffic leaves through a gateway node right now. */
  public boolean ready() {
    return applied && gatewayNodeIP != null;
  }

  /**
   * An identical destination prefix claimed by two policies for the same pods.
   *
   * @param cidr the prefix, canonical (host bits cleared)
   * @param winner the policy whose egress the prefix uses
   */
  public record PrefixConflict(String cidr, String winner) {}
}

package io.egressgw.placement;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The outcome of placement.
 *
 * @param assignment floating IP -> node, only assigned IPs; iteration order is the processing order
 *     (groups by key, IPs in spec order)
 * @param unassigned floating IP -> human-readable reason why no node holds it
 * @param moves every change against the previous assignment, in processing order
 */
public record PlacementResult(
    Map<String, String> assignment, Map<String, String> unassigned, List<FloatingIpMove> moves) {

  public PlacementResult {
    assignment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(assignment));
    unassigned = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(unassigned));
    moves = List.copyOf(moves);
  }

  /** The group's assigned IPs in spec order (status.floatingIPs): ip -> node. */
  public Map<String, String> floatingIPsOf(PlacementGroup group) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String ip : group.floatingIPs()) {
      String node = assignment.get(ip);
      if (node != null) {
        out.put(ip, node);
      }
    }
    return out;
  }

  /** The group's unassigned IPs in spec order: ip -> reason. */
  public Map<String, String> unassignedOf(PlacementGroup group) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String ip : group.floatingIPs()) {
      String reason = unassigned.get(ip);
      if (reason != null) {
        out.put(ip, reason);
      }
    }
    return out;
  }

  /** Nodes holding at least one floating IP. */
  public Set<String> holders() {
    return new TreeSet<>(assignment.values());
  }
}

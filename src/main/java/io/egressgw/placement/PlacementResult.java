package io.egressgw.placement;

import java.util.Collections;
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
 * @param standbys floating IP -> its standby node (never its holder), only IPs that have one; in
 *     processing order
 */
public record PlacementResult(
    Map<String, String> assignment,
    Map<String, String> unassigned,
    List<FloatingIpMove> moves,
    Map<String, String> standbys) {

  public PlacementResult {
    assignment = Collections.unmodifiableMap(new LinkedHashMap<>(assignment));
    unassigned = Collections.unmodifiableMap(new LinkedHashMap<>(unassigned));
    moves = List.copyOf(moves);
    standbys =
        standbys == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(standbys));
  }

  /** A result without standbys. */
  public PlacementResult(
      Map<String, String> assignment, Map<String, String> unassigned, List<FloatingIpMove> moves) {
    this(assignment, unassigned, moves, Map.of());
  }

  /** The group's assigned IPs in spec order (status.floatingIPs): ip -> node. */
  public Map<String, String> floatingIPsOf(PlacementGroup group) {
    return of(group, assignment);
  }

  /** The group's IPs that have a standby, in spec order (status.standbys): ip -> node. */
  public Map<String, String> standbysOf(PlacementGroup group) {
    return of(group, standbys);
  }

  /** The group's unassigned IPs in spec order: ip -> reason. */
  public Map<String, String> unassignedOf(PlacementGroup group) {
    return of(group, unassigned);
  }

  /** Nodes holding at least one floating IP. */
  public Set<String> holders() {
    return new TreeSet<>(assignment.values());
  }

  private static Map<String, String> of(PlacementGroup group, Map<String, String> byIp) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String ip : group.floatingIPs()) {
      String value = byIp.get(ip);
      if (value != null) {
        out.put(ip, value);
      }
    }
    return out;
  }
}

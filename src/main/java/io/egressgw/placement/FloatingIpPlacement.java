package io.egressgw.placement;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides which node holds each floating IP: the pure function {@code plan(snapshot)}.
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>A node is eligible for an IP when it is up, not draining ({@link NodeDrain}: cordoned,
 *       labelled {@code egressgw.io/drain}, or its agent stopping), carries every label of the
 *       group's nodeSelector, and has an address in a subnet containing the IP (a node that has not
 *       reported subnets is eligible for nothing; addresses equal to a floating IP are ignored,
 *       because a node holding a floating IP reports it among its addresses).
 *   <li>Stability: an IP stays on its current node while that node is eligible, even when a better
 *       node appears or a failed or drained node returns.
 *   <li>Every other IP, in processing order (groups by key, IPs in spec order), goes to its standby
 *       when that is eligible (the node prepared to take it over), else to the eligible node that
 *       is first by: workers before control-plane nodes, then fewest floating IPs held (of any
 *       group; so nodes holding none come first), then name.
 *   <li>An IP with no eligible node stays on its current node if that is up and only draining (a
 *       drain never drops egress); otherwise it is unassigned, with the reason.
 *   <li>Standby: every held IP also gets a standby, an eligible node other than its holder. It
 *       stays where it is while eligible and not the holder; otherwise (and for new IPs), in
 *       processing order, the eligible node other than the holder first by: workers before
 *       control-plane nodes, then fewest IPs held plus stood by for, then name. None when the
 *       holder is the only eligible node.
 * </ol>
 *
 * <p>Same input, same output. {@code plan(s)} is exactly {@code PlacementIndex.of(s).result()}; the
 * controller builds that {@link PlacementIndex} itself so that it reads status.nodes of every group
 * from the same index.
 */
public final class FloatingIpPlacement {
  private FloatingIpPlacement() {}

  /** The full plan. */
  public static PlacementResult plan(PlacementSnapshot snapshot) {
    return PlacementIndex.of(snapshot).result();
  }

  /**
   * status.nodes of one group: every node that matches the group's nodeSelector and has an address
   * in the subnet of at least one of its floating IPs, mapped to "Up" or "Down", sorted by name.
   */
  public static Map<String, String> nodeStatus(PlacementSnapshot snapshot, String groupKey) {
    return PlacementIndex.indexOnly(snapshot).nodeStatus(groupKey);
  }

  /** {@link #nodeStatus(PlacementSnapshot, String)} of every group, by group key. */
  public static Map<String, Map<String, String>> nodeStatus(PlacementSnapshot snapshot) {
    PlacementIndex index = PlacementIndex.indexOnly(snapshot);
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (PlacementGroup g : snapshot.groups()) {
      out.put(g.key(), index.nodeStatus(g.key()));
    }
    return out;
  }

  /** Convenience: the moves of {@code plan} only. */
  public static List<FloatingIpMove> moves(PlacementSnapshot snapshot) {
    return plan(snapshot).moves();
  }
}

package io.egressgw.placement;

import java.util.List;
import java.util.Map;

/**
 * A node as placement sees it.
 *
 * @param name node name
 * @param labels node labels (matched against a group's nodeSelector)
 * @param controlPlane true for control-plane nodes; workers are preferred
 * @param subnets the node's interface addresses with prefix length, e.g. {@code 192.168.1.1/24};
 *     empty when not known yet (such a node is eligible for no floating IP)
 * @param up true while the node (its agent) is alive
 * @param drain why an up node must hand its floating IPs over; {@link NodeDrain#NONE} (also for
 *     null) when it need not. A draining node is eligible for nothing, primary or standby
 * @param keepOnly true: the node keeps the floating IPs it holds but is given no new one, primary
 *     or standby (the mass-failure guard's held nodes: Down by their heartbeats, kept where they
 *     are because the controller's view is in doubt, yet surely not the place for more)
 */
public record PlacementNode(
    String name,
    Map<String, String> labels,
    boolean controlPlane,
    List<String> subnets,
    boolean up,
    NodeDrain drain,
    boolean keepOnly) {

  public PlacementNode {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    subnets = subnets == null ? List.of() : List.copyOf(subnets);
    drain = drain == null ? NodeDrain.NONE : drain;
  }

  /** A node that may be given new floating IPs. */
  public PlacementNode(
      String name,
      Map<String, String> labels,
      boolean controlPlane,
      List<String> subnets,
      boolean up,
      NodeDrain drain) {
    this(name, labels, controlPlane, subnets, up, drain, false);
  }

  /** A node that is not draining. */
  public PlacementNode(
      String name,
      Map<String, String> labels,
      boolean controlPlane,
      List<String> subnets,
      boolean up) {
    this(name, labels, controlPlane, subnets, up, NodeDrain.NONE);
  }

  /** Up and not draining: may hold floating IPs (given the selector and subnets). */
  public boolean available() {
    return up && drain == NodeDrain.NONE;
  }

  /** Available, and may be given a floating IP (primary or standby) it does not have yet. */
  public boolean takesNew() {
    return available() && !keepOnly;
  }
}

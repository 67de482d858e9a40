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
 */
public record PlacementNode(
    String name,
    Map<String, String> labels,
    boolean controlPlane,
    List<String> subnets,
    boolean up) {

  public PlacementNode {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    subnets = subnets == null ? List.of() : List.copyOf(subnets);
  }
}

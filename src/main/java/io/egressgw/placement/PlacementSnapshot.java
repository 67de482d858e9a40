package io.egressgw.placement;

import java.util.List;
import java.util.Map;

/**
 * Everything placement needs: the groups, the nodes and where each floating IP is now.
 *
 * @param groups all NetworkGatewayGroups
 * @param nodes all nodes
 * @param currentAssignment floating IP -> node currently holding it (may name nodes that are gone)
 * @param currentStandbys floating IP -> its current standby node (may name nodes that are gone)
 */
public record PlacementSnapshot(
    List<PlacementGroup> groups,
    List<PlacementNode> nodes,
    Map<String, String> currentAssignment,
    Map<String, String> currentStandbys) {

  public PlacementSnapshot {
    groups = groups == null ? List.of() : List.copyOf(groups);
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    currentAssignment = currentAssignment == null ? Map.of() : Map.copyOf(currentAssignment);
    currentStandbys = currentStandbys == null ? Map.of() : Map.copyOf(currentStandbys);
  }

  /** A snapshot without standbys (none chosen yet). */
  public PlacementSnapshot(
      List<PlacementGroup> groups,
      List<PlacementNode> nodes,
      Map<String, String> currentAssignment) {
    this(groups, nodes, currentAssignment, Map.of());
  }
}

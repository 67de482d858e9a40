package io.egressgw.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders that keep the placement tables readable. */
final class PlacementFixtures {
  private PlacementFixtures() {}

  static PlacementNode worker(String name, String... subnets) {
    return new PlacementNode(name, Map.of(), false, List.of(subnets), true);
  }

  static PlacementNode controlPlane(String name, String... subnets) {
    return new PlacementNode(name, Map.of(), true, List.of(subnets), true);
  }

  static PlacementNode down(PlacementNode n) {
    return new PlacementNode(n.name(), n.labels(), n.controlPlane(), n.subnets(), false);
  }

  static PlacementNode labeled(PlacementNode n, String... kv) {
    return new PlacementNode(n.name(), map(kv), n.controlPlane(), n.subnets(), n.up());
  }

  static PlacementGroup group(String key, String... ips) {
    return new PlacementGroup(key, List.of(ips), Map.of());
  }

  static PlacementGroup group(String key, Map<String, String> selector, String... ips) {
    return new PlacementGroup(key, List.of(ips), selector);
  }

  static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static PlacementSnapshot snapshot(
      List<PlacementGroup> groups, List<PlacementNode> nodes, Map<String, String> current) {
    return new PlacementSnapshot(groups, nodes, current);
  }

  static List<PlacementNode> nodes(PlacementNode... n) {
    return new ArrayList<>(Arrays.asList(n));
  }
}

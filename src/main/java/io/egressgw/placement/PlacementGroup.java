package io.egressgw.placement;

import java.util.List;
import java.util.Map;

/**
 * A NetworkGatewayGroup as placement sees it.
 *
 * @param key {@code namespace/name}; groups are processed in key order
 * @param floatingIPs IPv4 addresses in spec order (the first one is the egress IP of policies)
 * @param nodeSelector labels a node must all carry to hold one of these IPs; empty: any node
 */
public record PlacementGroup(
    String key, List<String> floatingIPs, Map<String, String> nodeSelector) {

  public PlacementGroup {
    floatingIPs = floatingIPs == null ? List.of() : List.copyOf(floatingIPs);
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
  }
}

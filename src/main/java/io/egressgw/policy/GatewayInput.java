package io.egressgw.policy;

import java.util.List;

/**
 * A NetworkGatewayGroup as the compiler sees it.
 *
 * @param key {@code namespace/name}
 * @param floatingIPs in spec order; the first one is the egress IP of every policy referencing the
 *     group (the reference: other IPs are ignored by policies)
 */
public record GatewayInput(String key, List<String> floatingIPs) {
  public GatewayInput {
    floatingIPs = floatingIPs == null ? List.of() : List.copyOf(floatingIPs);
  }
}

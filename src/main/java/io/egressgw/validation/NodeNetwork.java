package io.egressgw.validation;

import java.util.List;

/**
 * What the cluster says about one node's addresses: the Node object's InternalIP/ExternalIP
 * addresses and the subnets its agent reported (interface addresses with prefix, e.g.
 * 192.168.1.2/24). Plain values, so that admission and placement check the same facts.
 *
 * @param node the Node's name
 * @param addresses the Node's InternalIP and ExternalIP addresses
 * @param subnets the interface addresses with prefix length its agent reported; may be empty
 */
public record NodeNetwork(String node, List<String> addresses, List<String> subnets) {
  public NodeNetwork {
    addresses = addresses == null ? List.of() : List.copyOf(addresses);
    subnets = subnets == null ? List.of() : List.copyOf(subnets);
  }
}

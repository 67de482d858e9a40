package io.egressgw.validation;

import io.egressgw.net.Ipv4;
import java.util.Collection;
import java.util.Optional;

/**
 * Whether taking a floating IP would steal an address: the node that holds a floating IP announces
 * it with gratuitous ARP, so a floating IP that is a node's own address, the network or broadcast
 * address of a node's subnet, or a link-local address (169.254.0.0/16, where cloud metadata
 * services live) would take that address over on the segment (issue 15). Loopback, multicast and
 * reserved addresses are refused by {@link Ipv4Syntax#hostAddressProblem}.
 *
 * <p>Pure: admission (REST and webhook) calls it with the Nodes it knows, and placement can call it
 * again for a group already stored with such an address. A subnet's network and broadcast addresses
 * are refused only for subnets some node reports: without that knowledge an address ending in .0 or
 * .255 may be a perfectly good host address (e.g. in a /23).
 */
public final class FloatingIpTheft {
  private FloatingIpTheft() {}

  /** Why the (syntactically valid) floating IP would steal an address, or empty. */
  public static Optional<String> problem(String ip, Collection<NodeNetwork> nodes) {
    long parsed = Ipv4.parse(ip);
    if (parsed < 0) {
      return Optional.empty();
    }
    int address = (int) parsed;
    if ((address & 0xffff0000) == 0xa9fe0000) {
      return Optional.of(
          "'" + ip + "' is a link-local address (169.254.0.0/16) and cannot be a" + " floating IP");
    }
    for (NodeNetwork node : nodes) {
      for (String own : node.addresses()) {
        if (Ipv4.parse(own) == parsed) {
          return Optional.of(
              "'"
                  + ip
                  + "' is the address of Node "
                  + node.node()
                  + ": a floating IP must not take over a node's address");
        }
      }
      for (String subnet : node.subnets()) {
        long cidr = Ipv4.parseCidr(subnet);
        int length = cidr < 0 ? 32 : Ipv4.prefixLength(cidr);
        if (length > 30) {
          continue;
        }
        int network = Ipv4.address(cidr) & Ipv4.mask(length);
        int broadcast = network | ~Ipv4.mask(length);
        String canonical = Ipv4.format(network) + "/" + length;
        if (Ipv4.address(cidr) == address) {
          return Optional.of(
              "'"
                  + ip
                  + "' is the address of Node "
                  + node.node()
                  + ": a floating IP must not take over a node's address");
        }
        if (address == network || address == broadcast) {
          return Optional.of(
              String.format(
                  "'%s' is the %s address of subnet %s (Node %s) and cannot be a floating IP",
                  ip, address == network ? "network" : "broadcast", canonical, node.node()));
        }
      }
    }
    return Optional.empty();
  }
}

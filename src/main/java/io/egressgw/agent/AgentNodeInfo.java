package io.egressgw.agent;

import io.egressgw.dataplane.Rtnetlink;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Reads what a node reports about its interfaces: the subnets it sits in (placement uses them to
 * pick the floating IPs it may hold). Read through rtnetlink; the filtering is pure.
 */
public final class AgentNodeInfo {
  private AgentNodeInfo() {}

  /** Subnets of this network namespace, excluding loopback, pod interfaces and floating IPs. */
  public static List<String> subnets(
      Predicate<Rtnetlink.Link> isPodInterface, String floatingLabel) {
    return subnets(Rtnetlink.links(), Rtnetlink.addresses(), isPodInterface, floatingLabel);
  }

  /** Pure: address with prefix ("10.0.0.5/24") of every address that is not excluded. */
  public static List<String> subnets(
      List<Rtnetlink.Link> links,
      List<Rtnetlink.Address> addresses,
      Predicate<Rtnetlink.Link> isPodInterface,
      String floatingLabel) {
    Map<Integer, Rtnetlink.Link> byIndex =
        links.stream().collect(Collectors.toMap(Rtnetlink.Link::index, l -> l, (a, b) -> a));
    Set<Integer> excluded =
        links.stream()
            .filter(l -> l.isLoopback() || isPodInterface.test(l))
            .map(Rtnetlink.Link::index)
            .collect(Collectors.toSet());
    return addresses.stream()
        .filter(a -> byIndex.containsKey(a.ifindex()) && !excluded.contains(a.ifindex()))
        .filter(a -> !a.label().equals(floatingLabel))
        .map(Rtnetlink.Address::withPrefix)
        .distinct()
        .toList();
  }
}

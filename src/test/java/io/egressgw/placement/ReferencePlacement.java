package io.egressgw.placement;

import io.egressgw.net.Ipv4;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A deliberately naive model of the placement rules (strings, linear scans, sorting per IP), used
 * by the property tests as the oracle for the bitset implementation.
 */
final class ReferencePlacement {
  private ReferencePlacement() {}

  static Map<String, String> plan(PlacementSnapshot s) {
    List<PlacementGroup> groups = new ArrayList<>(s.groups());
    groups.sort(Comparator.comparing(PlacementGroup::key));
    Map<String, PlacementNode> nodes = new HashMap<>();
    s.nodes().forEach(n -> nodes.put(n.name(), n));
    Set<String> floating = new HashSet<>();
    List<String[]> order = new ArrayList<>(); // {ip, groupIndex}
    for (int g = 0; g < groups.size(); g++) {
      for (String ip : groups.get(g).floatingIPs()) {
        if (Ipv4.parse(ip) >= 0 && floating.add(ip)) {
          order.add(new String[] {ip, Integer.toString(g)});
        }
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, Integer> held = new HashMap<>();
    for (String[] e : order) {
      PlacementNode cur = nodes.get(s.currentAssignment().get(e[0]));
      if (cur != null && eligible(cur, groups.get(Integer.parseInt(e[1])), e[0], floating)) {
        out.put(e[0], cur.name());
        held.merge(cur.name(), 1, Integer::sum);
      }
    }
    for (String[] e : order) {
      if (out.containsKey(e[0])) {
        continue;
      }
      PlacementGroup g = groups.get(Integer.parseInt(e[1]));
      nodes.values().stream()
          .filter(n -> eligible(n, g, e[0], floating))
          .min(
              Comparator.comparing(PlacementNode::controlPlane)
                  .thenComparing(n -> held.getOrDefault(n.name(), 0))
                  .thenComparing(PlacementNode::name))
          .ifPresent(
              n -> {
                out.put(e[0], n.name());
                held.merge(n.name(), 1, Integer::sum);
              });
    }
    return out;
  }

  static boolean eligible(PlacementNode n, PlacementGroup g, String ip, Set<String> floating) {
    if (!n.up()) {
      return false;
    }
    for (Map.Entry<String, String> l : g.nodeSelector().entrySet()) {
      if (!l.getValue().equals(n.labels().get(l.getKey()))) {
        return false;
      }
    }
    long a = Ipv4.parse(ip);
    for (String subnet : n.subnets()) {
      long c = Ipv4.parseCidr(subnet);
      if (c < 0 || floating.contains(Ipv4.format(Ipv4.address(c)))) {
        continue;
      }
      int mask = Ipv4.mask(Ipv4.prefixLength(c));
      if (((int) a & mask) == (Ipv4.address(c) & mask)) {
        return true;
      }
    }
    return false;
  }
}

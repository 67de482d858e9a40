package io.egressgw.policy;

import io.egressgw.net.Ipv4;
import io.egressgw.program.NodeProgram.Egress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The compiler's semantics written as directly as possible (no indexes, no rule sets), as an
 * independent oracle for the property tests. Output is {@link CompilerFixtures.Canonical}.
 */
final class NaiveCompiler {
  private NaiveCompiler() {}

  static Map<String, CompilerFixtures.Canonical> compile(
      CompilerInput in, Map<String, Integer> ids) {
    Map<String, Map<String, String>> nsLabels = new HashMap<>();
    in.namespaces().forEach(n -> nsLabels.put(n.name(), n.labels()));
    Map<String, List<String>> gateways = new HashMap<>();
    in.gateways().forEach(g -> gateways.put(g.key(), g.floatingIPs()));
    Map<String, String> nodeIps = new HashMap<>();
    in.nodes().forEach(n -> nodeIps.put(n.name(), n.ip()));
    List<PolicyInput> policies = new ArrayList<>(in.policies());
    policies.sort(Comparator.comparing(PolicyInput::name));

    // node -> ip -> (pod key, routes)
    Map<String, Map<String, Map.Entry<String, Map<String, Egress>>>> shown = new HashMap<>();
    for (PodInput pod : in.pods()) {
      if (pod.ip() == null) {
        continue;
      }
      Map<String, Egress> routes = new TreeMap<>();
      List<String> showOn = new ArrayList<>();
      if (pod.node() != null) {
        showOn.add(pod.node());
      }
      for (PolicyInput p : policies) {
        List<String> ips = p.gatewayKey() == null ? null : gateways.get(p.gatewayKey());
        if (ips == null || ips.isEmpty()) {
          continue; // not applied
        }
        if (!p.selects(nsLabels.getOrDefault(pod.namespace(), Map.of()), pod.labels())) {
          continue;
        }
        String egressIp = ips.get(0);
        String gw = in.assignment().get(egressIp);
        Egress e =
            new Egress(
                ids.get(p.name()), p.name(), egressIp, gw, gw == null ? null : nodeIps.get(gw));
        for (String cidr : p.destinationCidrs()) {
          long c = Ipv4.parseCidr(cidr);
          if (c >= 0) {
            routes.putIfAbsent(Ipv4.canonicalCidr(c), e); // smallest name first
          }
        }
        if (gw != null) {
          showOn.add(gw);
        }
      }
      // an unselected pod is still known on its own node (rule set 0, no routes)
      for (String node : showOn) {
        Map<String, Map.Entry<String, Map<String, Egress>>> m =
            shown.computeIfAbsent(node, k -> new HashMap<>());
        Map.Entry<String, Map<String, Egress>> cur = m.get(pod.ip());
        if (cur == null || pod.key().compareTo(cur.getKey()) < 0) {
          m.put(pod.ip(), Map.entry(pod.key(), routes));
        }
      }
    }
    // guarded: every policy's valid destination prefixes, by network address then length
    TreeMap<Long, String> guarded = new TreeMap<>();
    for (PolicyInput p : policies) {
      for (String cidr : p.destinationCidrs()) {
        long c = Ipv4.parseCidr(cidr);
        if (c >= 0) {
          long network = Ipv4.address(c) & Ipv4.mask(Ipv4.prefixLength(c)) & 0xffffffffL;
          guarded.put(network * 64 + Ipv4.prefixLength(c), Ipv4.canonicalCidr(c));
        }
      }
    }
    // excluded: the given prefixes, canonical, by network address then length
    TreeMap<Long, String> excluded = new TreeMap<>();
    for (String cidr : in.excludedPrefixes()) {
      long c = Ipv4.parseCidr(cidr);
      if (c >= 0) {
        long network = Ipv4.address(c) & Ipv4.mask(Ipv4.prefixLength(c)) & 0xffffffffL;
        excluded.put(network * 64 + Ipv4.prefixLength(c), Ipv4.canonicalCidr(c));
      }
    }
    Map<String, CompilerFixtures.Canonical> out = new TreeMap<>();
    for (NodeInput n : in.nodes()) {
      Map<String, Map<String, Egress>> sources = new TreeMap<>();
      shown.getOrDefault(n.name(), Map.of()).forEach((ip, e) -> sources.put(ip, e.getValue()));
      TreeMap<Long, String> floating = new TreeMap<>();
      in.assignment()
          .forEach(
              (ip, node) -> {
                if (node.equals(n.name())) {
                  floating.put(Ipv4.parse(ip), ip);
                }
              });
      out.put(
          n.name(),
          new CompilerFixtures.Canonical(
              sources,
              new ArrayList<>(floating.values()),
              new ArrayList<>(guarded.values()),
              new ArrayList<>(excluded.values())));
    }
    return out;
  }
}

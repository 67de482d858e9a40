package io.egressgw.agent;

import io.egressgw.dataplane.EgressEntry;
import io.egressgw.dataplane.MapLayouts;
import io.egressgw.dataplane.RouteKey;
import io.egressgw.net.Ipv4;
import io.egressgw.net.Ipv4Prefix;
import io.egressgw.program.NodeProgram;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The content of this node's dataplane as plain values: the BPF maps, the nftables SNAT map and the
 * floating IPs held. {@link #desired} computes it from a program (pure); the agent reads the
 * installed one back from the kernel and applies the {@link Diff}.
 *
 * @param sources pod IPv4 -> rule set id
 * @param routes (rule set, prefix) -> egress id
 * @param egresses egress id -> gateway / egress IP / flags
 * @param snat mark (SNAT | egress id) -> floating IP, for egresses this node holds
 * @param floatingIPs floating IPv4 addresses held on the uplink
 * @param guard guarded destination prefixes (egw_guard)
 * @param excluded destination prefixes never steered nor guarded (egw_excluded)
 */
public record DataplaneState(
    Map<Integer, Integer> sources,
    Map<RouteKey, Integer> routes,
    Map<Integer, EgressEntry> egresses,
    Map<Integer, Integer> snat,
    Set<Integer> floatingIPs,
    Set<Ipv4Prefix> guard,
    Set<Ipv4Prefix> excluded) {

  /** A state that excludes no destination. */
  public DataplaneState(
      Map<Integer, Integer> sources,
      Map<RouteKey, Integer> routes,
      Map<Integer, EgressEntry> egresses,
      Map<Integer, Integer> snat,
      Set<Integer> floatingIPs,
      Set<Ipv4Prefix> guard) {
    this(sources, routes, egresses, snat, floatingIPs, guard, Set.of());
  }

  public static DataplaneState empty() {
    return new DataplaneState(Map.of(), Map.of(), Map.of(), Map.of(), Set.of(), Set.of(), Set.of());
  }

  /**
   * What the dataplane of the node with address nodeIp must contain for program.
   *
   * @throws IllegalArgumentException for an egress id outside 1..65535 or a malformed address
   */
  public static DataplaneState desired(NodeProgram program, int nodeIp) {
    Map<Integer, Integer> sources = new HashMap<>();
    program.sources().forEach((ip, ruleSet) -> sources.put(Ipv4.parseOrThrow(ip), ruleSet));
    Map<RouteKey, Integer> routes = new HashMap<>();
    program
        .ruleSets()
        .forEach(
            (ruleSet, list) -> {
              for (NodeProgram.Route r : list) {
                checkId(r.egressId());
                routes.put(new RouteKey(ruleSet, Ipv4Prefix.parse(r.cidr())), r.egressId());
              }
            });
    Map<Integer, EgressEntry> egresses = new HashMap<>();
    Map<Integer, Integer> snat = new HashMap<>();
    program
        .egresses()
        .forEach(
            (id, e) -> {
              checkId(id);
              int egressIp = e.egressIP() == null ? 0 : Ipv4.parseOrThrow(e.egressIP());
              if (e.hasGateway()) {
                int gw = Ipv4.parseOrThrow(e.gatewayNodeIP());
                egresses.put(id, new EgressEntry(gw, egressIp, MapLayouts.EGRESS_HAS_GATEWAY));
                if (gw == nodeIp) {
                  snat.put(MapLayouts.mark(MapLayouts.MARK_SNAT, id), egressIp);
                }
              } else {
                egresses.put(id, new EgressEntry(0, egressIp, 0));
              }
            });
    Set<Integer> floating = new TreeSet<>();
    for (String ip : program.floatingIPs()) {
      floating.add(Ipv4.parseOrThrow(ip));
    }
    Set<Ipv4Prefix> guard = new java.util.HashSet<>();
    for (String cidr : program.guardedPrefixes()) {
      guard.add(Ipv4Prefix.parse(cidr));
    }
    Set<Ipv4Prefix> excluded = new java.util.HashSet<>();
    for (String cidr : program.excludedPrefixes()) {
      excluded.add(Ipv4Prefix.parse(cidr));
    }
    return new DataplaneState(sources, routes, egresses, snat, floating, guard, excluded);
  }

  private static void checkId(int id) {
    if (id < 1 || id > 0xffff) {
      throw new IllegalArgumentException("egress id out of 1..65535: " + id);
    }
  }

  /** The changes that turn installed into desired, per part. */
  public static Diff diff(DataplaneState installed, DataplaneState desired) {
    return new Diff(
        MapDiff.of(installed.sources(), desired.sources()),
        MapDiff.of(installed.routes(), desired.routes()),
        MapDiff.of(installed.egresses(), desired.egresses()),
        MapDiff.of(installed.snat(), desired.snat()),
        MapDiff.of(asMap(installed.floatingIPs()), asMap(desired.floatingIPs())),
        MapDiff.of(asMap(installed.guard()), asMap(desired.guard())),
        MapDiff.of(asMap(installed.excluded()), asMap(desired.excluded())));
  }

  private static <K> Map<K, Boolean> asMap(Set<K> set) {
    Map<K, Boolean> m = new HashMap<>();
    set.forEach(ip -> m.put(ip, Boolean.TRUE));
    return m;
  }

  /** Per part of the dataplane: entries to write (new or changed) and keys to delete. */
  public record Diff(
      MapDiff<Integer, Integer> sources,
      MapDiff<RouteKey, Integer> routes,
      MapDiff<Integer, EgressEntry> egresses,
      MapDiff<Integer, Integer> snat,
      MapDiff<Integer, Boolean> floatingIPs,
      MapDiff<Ipv4Prefix, Boolean> guard,
      MapDiff<Ipv4Prefix, Boolean> excluded) {
    public boolean isEmpty() {
      return sources.isEmpty()
          && routes.isEmpty()
          && egresses.isEmpty()
          && snat.isEmpty()
          && floatingIPs.isEmpty()
          && guard.isEmpty()
          && excluded.isEmpty();
    }
  }

  /** Upserts (new or changed values) and deletes (keys no longer wanted) of one map. */
  public record MapDiff<K, V>(Map<K, V> upserts, List<K> deletes, Set<K> changed) {
    static <K, V> MapDiff<K, V> of(Map<K, V> installed, Map<K, V> desired) {
      Map<K, V> upserts = new HashMap<>();
      Set<K> changed = new java.util.HashSet<>();
      desired.forEach(
          (k, v) -> {
            V old = installed.get(k);
            if (!v.equals(old)) {
              upserts.put(k, v);
              if (old != null) {
                changed.add(k);
              }
            }
          });
      List<K> deletes = installed.keySet().stream().filter(k -> !desired.containsKey(k)).toList();
      return new MapDiff<>(upserts, deletes, changed);
    }

    public boolean isEmpty() {
      return upserts.isEmpty() && deletes.isEmpty();
    }

    public int size() {
      return upserts.size() + deletes.size();
    }
  }
}

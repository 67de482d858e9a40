package io.egressgw.agent;

import io.egressgw.dataplane.EgressEntry;
import io.egressgw.dataplane.MapLayouts;
import io.egressgw.dataplane.RouteKey;
import io.egressgw.net.Ipv4;
import io.egressgw.net.Ipv4Prefix;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.ProgramDelta;
import java.util.ArrayList;
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
    program.ruleSets().forEach((ruleSet, list) -> putRoutes(routes, ruleSet, list));
    Map<Integer, EgressEntry> egresses = new HashMap<>();
    Map<Integer, Integer> snat = new HashMap<>();
    putEgresses(egresses, snat, program.egresses(), nodeIp);
    return new DataplaneState(
        sources,
        routes,
        egresses,
        snat,
        addresses(program.floatingIPs()),
        prefixes(program.guardedPrefixes()),
        prefixes(program.excludedPrefixes()));
  }

  private static void putRoutes(
      Map<RouteKey, Integer> routes, int ruleSet, List<NodeProgram.Route> list) {
    for (NodeProgram.Route r : list) {
      checkId(r.egressId());
      routes.put(new RouteKey(ruleSet, Ipv4Prefix.parse(r.cidr())), r.egressId());
    }
  }

  private static void putEgresses(
      Map<Integer, EgressEntry> egresses,
      Map<Integer, Integer> snat,
      Map<Integer, NodeProgram.Egress> program,
      int nodeIp) {
    program.forEach(
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
  }

  private static Set<Integer> addresses(List<String> ips) {
    Set<Integer> out = new TreeSet<>();
    for (String ip : ips) {
      out.add(Ipv4.parseOrThrow(ip));
    }
    return out;
  }

  private static Set<Ipv4Prefix> prefixes(List<String> cidrs) {
    Set<Ipv4Prefix> out = new java.util.HashSet<>();
    for (String cidr : cidrs) {
      out.add(Ipv4Prefix.parse(cidr));
    }
    return out;
  }

  /**
   * The changes that turn installed into what {@code delta.applyTo(base)} wants, computed from the
   * delta alone: proportional to what changed, not to the program. installed must be exactly what
   * {@link #desired} gives for base (the agent's mirror of what it wrote); the result then equals
   * {@code diff(installed, desired(delta.applyTo(base), nodeIp))}. A part the delta does not carry
   * (null) is unchanged; rule sets are compared one by one, so a changed rule set costs its own
   * routes only.
   *
   * @throws IllegalArgumentException as {@link #desired}
   */
  public static Diff diff(
      DataplaneState installed, NodeProgram base, ProgramDelta delta, int nodeIp) {
    Map<Integer, Integer> sourceUpserts = new HashMap<>();
    Set<Integer> sourceChanged = new java.util.HashSet<>();
    List<Integer> sourceDeletes = new ArrayList<>();
    delta
        .sourcesSet()
        .forEach(
            (ip, ruleSet) -> {
              int key = Ipv4.parseOrThrow(ip);
              Integer old = installed.sources().get(key);
              if (!ruleSet.equals(old)) {
                sourceUpserts.put(key, ruleSet);
                if (old != null) {
                  sourceChanged.add(key);
                }
              }
            });
    for (String ip : delta.sourcesRemoved()) {
      int key = Ipv4.parseOrThrow(ip);
      // a source both removed and set stays (ProgramDelta#applyTo sets after it removes)
      if (installed.sources().containsKey(key) && !delta.sourcesSet().containsKey(ip)) {
        sourceDeletes.add(key);
      }
    }
    MapDiff<RouteKey, Integer> routes = MapDiff.none();
    if (delta.ruleSets() != null) {
      Map<RouteKey, Integer> before = new HashMap<>();
      Map<RouteKey, Integer> after = new HashMap<>();
      Set<Integer> ids = new TreeSet<>(base.ruleSets().keySet());
      ids.addAll(delta.ruleSets().keySet());
      for (Integer id : ids) {
        List<NodeProgram.Route> old = base.ruleSets().get(id);
        List<NodeProgram.Route> now = delta.ruleSets().get(id);
        if (!java.util.Objects.equals(old, now)) {
          if (old != null) {
            for (NodeProgram.Route r : old) {
              RouteKey k = new RouteKey(id, Ipv4Prefix.parse(r.cidr()));
              before.put(k, installed.routes().get(k));
            }
          }
          if (now != null) {
            putRoutes(after, id, now);
          }
        }
      }
      routes = MapDiff.of(before, after);
    }
    MapDiff<Integer, EgressEntry> egresses = MapDiff.none();
    MapDiff<Integer, Integer> snat = MapDiff.none();
    if (delta.egresses() != null) {
      Map<Integer, EgressEntry> e = new HashMap<>();
      Map<Integer, Integer> s = new HashMap<>();
      putEgresses(e, s, delta.egresses(), nodeIp);
      egresses = MapDiff.of(installed.egresses(), e);
      snat = MapDiff.of(installed.snat(), s);
    }
    return new Diff(
        new MapDiff<>(sourceUpserts, sourceDeletes, sourceChanged),
        routes,
        egresses,
        snat,
        delta.floatingIPs() == null
            ? MapDiff.none()
            : MapDiff.of(asMap(installed.floatingIPs()), asMap(addresses(delta.floatingIPs()))),
        delta.guardedPrefixes() == null
            ? MapDiff.none()
            : MapDiff.of(asMap(installed.guard()), asMap(prefixes(delta.guardedPrefixes()))),
        delta.excludedPrefixes() == null
            ? MapDiff.none()
            : MapDiff.of(asMap(installed.excluded()), asMap(prefixes(delta.excludedPrefixes()))));
  }

  /**
   * Makes this state what it is after diff was written: changes its collections in place (cost
   * proportional to the diff), so it must hold mutable ones, as {@link #desired} and a state read
   * from the kernel do. Returns this state.
   */
  public DataplaneState absorb(Diff diff) {
    absorbMap(sources, diff.sources());
    absorbMap(routes, diff.routes());
    absorbMap(egresses, diff.egresses());
    absorbMap(snat, diff.snat());
    absorbSet(floatingIPs, diff.floatingIPs());
    absorbSet(guard, diff.guard());
    absorbSet(excluded, diff.excluded());
    return this;
  }

  private static <K, V> void absorbMap(Map<K, V> map, MapDiff<K, V> diff) {
    diff.deletes().forEach(map::remove);
    map.putAll(diff.upserts());
  }

  private static <K> void absorbSet(Set<K> set, MapDiff<K, Boolean> diff) {
    diff.deletes().forEach(set::remove);
    set.addAll(diff.upserts().keySet());
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

    /** No change. */
    static <K, V> MapDiff<K, V> none() {
      return new MapDiff<>(Map.of(), List.of(), Set.of());
    }

    public boolean isEmpty() {
      return upserts.isEmpty() && deletes.isEmpty();
    }

    public int size() {
      return upserts.size() + deletes.size();
    }
  }
}

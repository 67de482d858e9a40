package io.egressgw.dataplane;

import static io.egressgw.dataplane.MapLayouts.*;

import io.egressgw.net.Ipv4Prefix;
import io.egressgw.program.NodeReport.PolicyCounters;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Encodes and decodes map entries with the layouts of {@link MapLayouts}; bulk reads and writes.
 */
public final class MapCodec {
  private MapCodec() {}

  public static byte[] u32(int v) {
    byte[] b = new byte[U32_SIZE];
    putU32At(b, 0, v);
    return b;
  }

  public static byte[] state(long generation) {
    byte[] b = new byte[STATE_SIZE];
    java.nio.ByteBuffer.wrap(b)
        .order(java.nio.ByteOrder.nativeOrder())
        .putLong((int) STATE.generation.offset(), generation);
    return b;
  }

  public static long stateGeneration(byte[] b) {
    return getU64(b, 0, STATE.generation);
  }

  public static byte[] routeKey(int ruleSet, Ipv4Prefix cidr) {
    byte[] b = new byte[ROUTE_KEY_SIZE];
    putRouteKey(b, 0, new RouteKey(ruleSet, cidr));
    return b;
  }

  private static void putRouteKey(byte[] b, int base, RouteKey k) {
    putU32(b, base, ROUTE_KEY.prefixlen, 32 + k.destination().prefixLength());
    putU32(b, base, ROUTE_KEY.ruleSet, k.ruleSet());
    putIp(b, base, ROUTE_KEY.daddr, k.destination().address());
  }

  public static byte[] guardKey(Ipv4Prefix cidr) {
    byte[] b = new byte[GUARD_KEY_SIZE];
    putGuardKey(b, 0, cidr);
    return b;
  }

  private static void putGuardKey(byte[] b, int base, Ipv4Prefix cidr) {
    putU32(b, base, GUARD_KEY.prefixlen, cidr.prefixLength());
    putIp(b, base, GUARD_KEY.daddr, cidr.address());
  }

  public static Map<Ipv4Prefix, Boolean> readGuard(BpfMap map, int capacity) {
    BpfMap.Entries e = map.dump(capacity);
    Map<Ipv4Prefix, Boolean> out = new HashMap<>();
    for (int i = 0; i < e.count(); i++) {
      int base = i * GUARD_KEY_SIZE;
      out.put(
          new Ipv4Prefix(
              getIp(e.keys(), base, GUARD_KEY.daddr), getU32(e.keys(), base, GUARD_KEY.prefixlen)),
          Boolean.TRUE);
    }
    return out;
  }

  /** Writes guarded prefixes (value 1). */
  public static int writeGuard(BpfMap map, Collection<Ipv4Prefix> prefixes) {
    byte[] keys = new byte[prefixes.size() * GUARD_KEY_SIZE];
    byte[] values = new byte[prefixes.size() * U32_SIZE];
    int i = 0;
    for (Ipv4Prefix c : prefixes) {
      putGuardKey(keys, i * GUARD_KEY_SIZE, c);
      putU32At(values, i, 1);
      i++;
    }
    return map.updateMany(keys, values, i);
  }

  public static int deleteGuard(BpfMap map, Collection<Ipv4Prefix> prefixes) {
    byte[] b = new byte[prefixes.size() * GUARD_KEY_SIZE];
    int i = 0;
    for (Ipv4Prefix c : prefixes) {
      putGuardKey(b, i++ * GUARD_KEY_SIZE, c);
    }
    return map.deleteMany(b, i);
  }

  public static byte[] egress(EgressEntry e) {
    byte[] b = new byte[EGRESS_SIZE];
    putEgress(b, 0, e);
    return b;
  }

  private static void putEgress(byte[] b, int base, EgressEntry e) {
    putIp(b, base, EGRESS.gatewayIp, e.gatewayIp());
    putIp(b, base, EGRESS.egressIp, e.egressIp());
    putU32(b, base, EGRESS.flags, e.flags());
  }

  public static PolicyCounters sumCounters(byte[] perCpu, int cpus) {
    long packets = 0;
    long bytes = 0;
    for (int cpu = 0; cpu < cpus; cpu++) {
      packets += getU64(perCpu, cpu * COUNTERS_SIZE, COUNTERS.packets);
      bytes += getU64(perCpu, cpu * COUNTERS_SIZE, COUNTERS.bytes);
    }
    return new PolicyCounters(packets, bytes);
  }

  public static Map<Integer, Integer> readSources(BpfMap map, int capacity) {
    BpfMap.Entries e = map.dump(capacity);
    Map<Integer, Integer> out = new HashMap<>();
    for (int i = 0; i < e.count(); i++) {
      out.put(getIpAt(e.keys(), i), getU32At(e.values(), i));
    }
    return out;
  }

  public static Map<RouteKey, Integer> readRoutes(BpfMap map, int capacity) {
    BpfMap.Entries e = map.dump(capacity);
    Map<RouteKey, Integer> out = new HashMap<>();
    for (int i = 0; i < e.count(); i++) {
      int base = i * ROUTE_KEY_SIZE;
      int prefix = getU32(e.keys(), base, ROUTE_KEY.prefixlen) - 32;
      RouteKey k =
          new RouteKey(
              getU32(e.keys(), base, ROUTE_KEY.ruleSet),
              new Ipv4Prefix(getIp(e.keys(), base, ROUTE_KEY.daddr), prefix));
      out.put(k, getU32At(e.values(), i));
    }
    return out;
  }

  public static Map<Integer, EgressEntry> readEgresses(BpfMap map, int capacity) {
    BpfMap.Entries e = map.dump(capacity);
    Map<Integer, EgressEntry> out = new HashMap<>();
    for (int i = 0; i < e.count(); i++) {
      int base = i * EGRESS_SIZE;
      out.put(
          getU32At(e.keys(), i),
          new EgressEntry(
              getIp(e.values(), base, EGRESS.gatewayIp),
              getIp(e.values(), base, EGRESS.egressIp),
              getU32(e.values(), base, EGRESS.flags)));
    }
    return out;
  }

  public static int writeSources(BpfMap map, Map<Integer, Integer> entries) {
    byte[] keys = new byte[entries.size() * U32_SIZE];
    byte[] values = new byte[entries.size() * U32_SIZE];
    int i = 0;
    for (Map.Entry<Integer, Integer> e : entries.entrySet()) {
      putIpAt(keys, i, e.getKey());
      putU32At(values, i, e.getValue());
      i++;
    }
    return map.updateMany(keys, values, i);
  }

  public static int writeRoutes(BpfMap map, Map<RouteKey, Integer> entries) {
    byte[] keys = new byte[entries.size() * ROUTE_KEY_SIZE];
    byte[] values = new byte[entries.size() * U32_SIZE];
    int i = 0;
    for (Map.Entry<RouteKey, Integer> e : entries.entrySet()) {
      putRouteKey(keys, i * ROUTE_KEY_SIZE, e.getKey());
      putU32At(values, i, e.getValue());
      i++;
    }
    return map.updateMany(keys, values, i);
  }

  public static int writeEgresses(BpfMap map, Map<Integer, EgressEntry> entries) {
    byte[] keys = new byte[entries.size() * U32_SIZE];
    byte[] values = new byte[entries.size() * EGRESS_SIZE];
    int i = 0;
    for (Map.Entry<Integer, EgressEntry> e : entries.entrySet()) {
      putU32At(keys, i, e.getKey());
      putEgress(values, i * EGRESS_SIZE, e.getValue());
      i++;
    }
    return map.updateMany(keys, values, i);
  }

  /** Deletes u32-keyed entries: egress ids (host order) or source IPs (network order). */
  public static int deleteU32(BpfMap map, Collection<Integer> keys) {
    byte[] b = new byte[keys.size() * U32_SIZE];
    int i = 0;
    boolean ipKeys = map.name().equals(MAP_SOURCES);
    for (Integer k : keys) {
      if (ipKeys) {
        putIpAt(b, i++, k);
      } else {
        putU32At(b, i++, k);
      }
    }
    return map.deleteMany(b, i);
  }

  public static int deleteRoutes(BpfMap map, Collection<RouteKey> keys) {
    byte[] b = new byte[keys.size() * ROUTE_KEY_SIZE];
    int i = 0;
    for (RouteKey k : keys) {
      putRouteKey(b, i++ * ROUTE_KEY_SIZE, k);
    }
    return map.deleteMany(b, i);
  }
}

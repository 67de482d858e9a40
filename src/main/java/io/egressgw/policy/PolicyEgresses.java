package io.egressgw.policy;

import io.egressgw.program.NodeProgram.Egress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where each policy's traffic leaves: its gateway group's first floating IP (the egress IP), the
 * node holding that IP and the node's address, as the {@link Egress} that programs carry. Also the
 * gateway groups, and the policies indexed by gateway group, egress IP and gateway node, so that a
 * gateway, floating IP or node event finds the policies it affects without scanning all.
 */
final class PolicyEgresses {
  private final Map<String, List<String>> groups = new HashMap<>(); // key -> floating IPs
  private final Map<String, Set<PolicyState>> byGroup = new HashMap<>();
  private final Map<String, Set<PolicyState>> byEgressIp = new HashMap<>();
  private final Map<String, Set<PolicyState>> byGatewayNode = new HashMap<>();
  private final FloatingIpIndex floating;
  private final Map<String, String> nodeIps;

  /**
   * @param floating which node holds each floating IP
   * @param nodeIps node -> address, a live view
   */
  PolicyEgresses(FloatingIpIndex floating, Map<String, String> nodeIps) {
    this.floating = floating;
    this.nodeIps = nodeIps;
  }

  /** Sets a gateway group's floating IPs; returns the previous ones (null: new group). */
  List<String> putGroup(String key, List<String> floatingIps) {
    return groups.put(key, floatingIps);
  }

  /** Removes a gateway group; false when there was none. */
  boolean removeGroup(String key) {
    return groups.remove(key) != null;
  }

  boolean hasGroup(String key) {
    return groups.containsKey(key);
  }

  Set<String> groupKeys() {
    return groups.keySet();
  }

  /** The policies of gateway group {@code key}, a copy. */
  List<PolicyState> ofGroup(String key) {
    return new ArrayList<>(byGroup.getOrDefault(key, Set.of()));
  }

  /** The policies whose egress IP is {@code ip}, a copy. */
  List<PolicyState> ofEgressIp(String ip) {
    return new ArrayList<>(byEgressIp.getOrDefault(ip, Set.of()));
  }

  /** The policies whose traffic leaves through {@code node}, a copy. */
  List<PolicyState> ofGatewayNode(String node) {
    return new ArrayList<>(byGatewayNode.getOrDefault(node, Set.of()));
  }

  /** The egress IP of {@code p}: its group's first floating IP; null when it has none. */
  String egressIpOf(PolicyState p) {
    List<String> ips = p.input.gatewayKey() == null ? null : groups.get(p.input.gatewayKey());
    return ips == null || ips.isEmpty() ? null : ips.get(0);
  }

  /** Files {@code p} under its (current input's) gateway group. */
  void indexGroup(PolicyState p) {
    if (p.input.gatewayKey() != null) {
      byGroup.computeIfAbsent(p.input.gatewayKey(), k -> new HashSet<>()).add(p);
    }
  }

  /** Takes {@code p} out of its (current input's) gateway group, before the input changes. */
  void unindexGroup(PolicyState p) {
    if (p.input != null) {
      removeFrom(byGroup, p.input.gatewayKey(), p);
    }
  }

  /** True when {@code p}'s egress and gateway node are what the current state says. */
  boolean upToDate(PolicyState p) {
    String ip = egressIpOf(p);
    String node = ip == null ? null : floating.nodeOf(ip);
    return Objects.equals(egressOf(p, ip, node), p.egress) && Objects.equals(node, p.gatewayNode);
  }

  /** Sets {@code p}'s applied, egress IP, gateway node and egress from the current state. */
  void refresh(PolicyState p) {
    String ip = egressIpOf(p);
    p.applied = ip != null;
    setEgressIp(p, ip);
    String node = ip == null ? null : floating.nodeOf(ip);
    setGatewayNode(p, node);
    p.egress = egressOf(p, ip, node);
  }

  /** {@code p} is deleted: out of every index. */
  void forget(PolicyState p) {
    unindexGroup(p);
    setGatewayNode(p, null);
    setEgressIp(p, null);
  }

  private Egress egressOf(PolicyState p, String ip, String node) {
    return ip == null
        ? null
        : new Egress(p.egressId, p.name, ip, node, node == null ? null : nodeIps.get(node));
  }

  private void setEgressIp(PolicyState p, String ip) {
    if (Objects.equals(p.egressIp, ip)) {
      return;
    }
    if (p.egressIp != null) {
      removeFrom(byEgressIp, p.egressIp, p);
    }
    p.egressIp = ip;
    if (ip != null) {
      byEgressIp.computeIfAbsent(ip, k -> new HashSet<>()).add(p);
    }
  }

  private void setGatewayNode(PolicyState p, String node) {
    if (Objects.equals(p.gatewayNode, node)) {
      return;
    }
    if (p.gatewayNode != null) {
      removeFrom(byGatewayNode, p.gatewayNode, p);
    }
    p.gatewayNode = node;
    if (node != null) {
      byGatewayNode.computeIfAbsent(node, k -> new HashSet<>()).add(p);
    }
  }

  private static <K, V> void removeFrom(Map<K, Set<V>> index, K key, V value) {
    Set<V> set = index.get(key);
    if (set != null) {
      set.remove(value);
      if (set.isEmpty()) {
        index.remove(key);
      }
    }
  }
}

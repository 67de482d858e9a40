package io.egressgw.controller;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.placement.NodeDrain;
import io.egressgw.placement.PlacementGroup;
import io.egressgw.placement.PlacementNode;
import io.egressgw.placement.PlacementSnapshot;
import io.egressgw.program.NodeReport;
import io.egressgw.validation.FloatingIpTheft;
import io.egressgw.validation.Ipv4Syntax;
import io.egressgw.validation.NodeNetwork;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns cached fabric8 objects into the placement engine's plain inputs (pure): groups sorted by
 * key, nodes sorted by name with the subnets their agent reported, each node up when it is Ready
 * and its agent alive, draining when it is cordoned, labelled {@code egressgw.io/drain} or its
 * agent reports that it is stopping, and the current assignment and standbys restricted to IPs some
 * group still lists.
 *
 * <p>It is also placement's input filter against address theft (issue 15): a floating IP that
 * admission would refuse ({@link Ipv4Syntax#hostAddressProblem}, {@link FloatingIpTheft}: a node's
 * address, a reported subnet's network or broadcast address, link-local, loopback, ...) never
 * reaches placement, even when its group got into the API without admission (created before the
 * webhook, or with it off). Such an IP stays unassigned and the group's status says why.
 */
final class PlacementInputs {
  private PlacementInputs() {}

  /** The key of a group: {@code namespace/name}. */
  static String key(NetworkGatewayGroup g) {
    return g.getMetadata().getNamespace() + "/" + g.getMetadata().getName();
  }

  /** The groups sorted by key (placement's processing order). */
  static List<NetworkGatewayGroup> sorted(Collection<NetworkGatewayGroup> groups) {
    List<NetworkGatewayGroup> out = new ArrayList<>(groups);
    out.sort(Comparator.comparing(PlacementInputs::key));
    return out;
  }

  /** The metadata.generation of each group, by key. */
  static Map<String, Long> generations(List<NetworkGatewayGroup> groups) {
    Map<String, Long> out = new HashMap<>();
    groups.forEach(g -> out.put(key(g), g.getMetadata().getGeneration()));
    return out;
  }

  /**
   * The floating IPs of {@code groups} that must never be placed, each with why: what admission
   * refuses, checked against the Nodes' InternalIP/ExternalIP and the subnets their agents
   * reported.
   */
  static Map<String, String> refusedFloatingIPs(
      List<NetworkGatewayGroup> groups, Collection<Node> nodes, AgentLiveness liveness) {
    List<NodeNetwork> networks = new ArrayList<>();
    for (Node n : nodes) {
      String name = n.getMetadata().getName();
      List<String> addresses =
          n.getStatus() == null || n.getStatus().getAddresses() == null
              ? List.of()
              : n.getStatus().getAddresses().stream()
                  .filter(a -> "InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType()))
                  .map(NodeAddress::getAddress)
                  .toList();
      List<String> subnets = liveness.report(name).map(NodeReport::subnets).orElse(List.of());
      networks.add(new NodeNetwork(name, addresses, subnets));
    }
    Map<String, String> refused = new LinkedHashMap<>();
    for (NetworkGatewayGroup g : groups) {
      for (String ip : floatingIPs(g)) {
        if (!refused.containsKey(ip)) {
          Ipv4Syntax.hostAddressProblem(ip)
              .or(() -> FloatingIpTheft.problem(ip, networks))
              .ifPresent(why -> refused.put(ip, why));
        }
      }
    }
    return refused;
  }

  /** Placement's view of {@code groups} (sorted), {@code nodes} and the agents at {@code now}. */
  static PlacementSnapshot snapshot(
      List<NetworkGatewayGroup> groups,
      Collection<Node> nodes,
      AgentLiveness liveness,
      Instant now,
      Map<String, String> assignment,
      Map<String, String> standbys) {
    return snapshot(
        groups,
        nodes,
        liveness,
        now,
        assignment,
        standbys,
        refusedFloatingIPs(groups, nodes, liveness));
  }

  /**
   * Placement's view, without the {@code refused} floating IPs (from {@link #refusedFloatingIPs}):
   * they are in no group and in no current assignment, so they are placed nowhere.
   */
  static PlacementSnapshot snapshot(
      List<NetworkGatewayGroup> groups,
      Collection<Node> nodes,
      AgentLiveness liveness,
      Instant now,
      Map<String, String> assignment,
      Map<String, String> standbys,
      Map<String, String> refused) {
    return snapshot(groups, nodes, liveness, now, assignment, standbys, refused, Set.of());
  }

  /**
   * Placement's view as above, where the {@code held} nodes (the mass-failure guard's, {@link
   * MassFailureGuard}) count as Up whatever their agent or kubelet says: nothing moves off them,
   * and nothing new (primary or standby) is put on them.
   */
  static PlacementSnapshot snapshot(
      List<NetworkGatewayGroup> groups,
      Collection<Node> nodes,
      AgentLiveness liveness,
      Instant now,
      Map<String, String> assignment,
      Map<String, String> standbys,
      Map<String, String> refused,
      Set<String> held) {
    List<PlacementGroup> placementGroups = new ArrayList<>();
    Set<String> ips = new HashSet<>();
    for (NetworkGatewayGroup g : groups) {
      List<String> floatingIPs =
          floatingIPs(g).stream().filter(ip -> !refused.containsKey(ip)).toList();
      ips.addAll(floatingIPs);
      placementGroups.add(new PlacementGroup(key(g), floatingIPs, nodeSelector(g)));
    }
    List<Node> cached = new ArrayList<>(nodes);
    cached.sort(Comparator.comparing(n -> n.getMetadata().getName()));
    List<PlacementNode> placementNodes = new ArrayList<>();
    for (Node n : cached) {
      ClusterCache.NodeFacts f = ClusterCache.facts(n);
      Optional<NodeReport> report = liveness.report(f.name());
      List<String> subnets = report.map(NodeReport::subnets).orElse(List.of());
      placementNodes.add(
          new PlacementNode(
              f.name(),
              f.labels(),
              f.controlPlane(),
              subnets,
              held.contains(f.name()) || (f.ready() && liveness.judgedAlive(f.name(), now)),
              drain(
                  f,
                  report.map(NodeReport::draining).orElse(false),
                  report.map(NodeReport::uplinkDown).orElse(false)),
              held.contains(f.name())));
    }
    return new PlacementSnapshot(
        placementGroups, placementNodes, listed(assignment, ips), listed(standbys, ips));
  }

  /** Why the node hands its floating IPs over: drain label, then cordon, then agent stopping. */
  static NodeDrain drain(ClusterCache.NodeFacts f, boolean agentDraining) {
    return drain(f, agentDraining, false);
  }

  /**
   * Why the node hands its floating IPs over: its uplink down first (it cannot serve them: no
   * waiting for a standby), then drain label, cordon, agent stopping.
   */
  static NodeDrain drain(ClusterCache.NodeFacts f, boolean agentDraining, boolean uplinkDown) {
    if (uplinkDown) {
      return NodeDrain.UPLINK_DOWN;
    }
    if (f.labels().containsKey(NodeDrain.LABEL)) {
      return NodeDrain.DRAIN_LABEL;
    }
    if (f.unschedulable()) {
      return NodeDrain.CORDONED;
    }
    return agentDraining ? NodeDrain.AGENT_STOPPING : NodeDrain.NONE;
  }

  private static Map<String, String> listed(Map<String, String> byIp, Set<String> ips) {
    Map<String, String> out = new LinkedHashMap<>();
    byIp.forEach(
        (ip, node) -> {
          if (ips.contains(ip)) {
            out.put(ip, node);
          }
        });
    return out;
  }

  /** Nodes that match the group's selector but have no agent report yet. */
  static List<String> waitingForReport(NetworkGatewayGroup g, PlacementSnapshot snapshot) {
    Map<String, String> selector = nodeSelector(g);
    List<String> out = new ArrayList<>();
    for (PlacementNode n : snapshot.nodes()) {
      if (n.subnets().isEmpty() && n.labels().entrySet().containsAll(selector.entrySet())) {
        out.add(n.name());
      }
    }
    return out;
  }

  /** spec.floatingIPs, or none. */
  static List<String> floatingIPs(NetworkGatewayGroup g) {
    return g.getSpec() == null || g.getSpec().getFloatingIPs() == null
        ? List.of()
        : g.getSpec().getFloatingIPs();
  }

  private static Map<String, String> nodeSelector(NetworkGatewayGroup g) {
    return g.getSpec() == null || g.getSpec().getNodeSelector() == null
        ? Map.of()
        : g.getSpec().getNodeSelector();
  }
}

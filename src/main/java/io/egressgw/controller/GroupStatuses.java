package io.egressgw.controller;

import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The status of one NetworkGatewayGroup from a placement result (pure).
 *
 * <ul>
 *   <li>Ready: True when every floating IP of the group has a node.
 *   <li>Degraded: True when a floating IP is refused (reason FloatingIPRefused: it would take over
 *       a node's or a subnet's address, so placement never places it; the message says why), has no
 *       node (reason NoEligibleNode, the message gives each IP's reason) or a node of the group is
 *       Down (reason NodeDown). Nodes that match the selector but whose agent has not reported its
 *       subnets yet are named in the message: they are not eligible until it does.
 * </ul>
 *
 * <p>status.standbys names the node that stands by for each held IP; an IP without one (its holder
 * is the only eligible node) is simply absent, which is not Degraded.
 */
public final class GroupStatuses {
  public static final String READY = "Ready";
  public static final String DEGRADED = "Degraded";

  /** Degraded reason while the mass-failure guard holds Down nodes of the group. */
  public static final String FAILOVER_FROZEN = "FailoverFrozen";

  private GroupStatuses() {}

  public static NetworkGatewayGroupStatus status(
      Long generation,
      Map<String, String> floatingIPs,
      Map<String, String> standbys,
      Map<String, String> unassigned,
      Map<String, String> nodes,
      List<String> nodesWithoutReport,
      Instant now,
      NetworkGatewayGroupStatus previous) {
    return status(
        generation,
        floatingIPs,
        standbys,
        unassigned,
        Map.of(),
        nodes,
        nodesWithoutReport,
        now,
        previous);
  }

  /**
   * The status, with {@code refused}: the group's floating IPs placement must never place (ip ->
   * why), counted as unassigned.
   */
  public static NetworkGatewayGroupStatus status(
      Long generation,
      Map<String, String> floatingIPs,
      Map<String, String> standbys,
      Map<String, String> placementUnassigned,
      Map<String, String> refused,
      Map<String, String> nodes,
      List<String> nodesWithoutReport,
      Instant now,
      NetworkGatewayGroupStatus previous) {
    return status(
        generation,
        floatingIPs,
        standbys,
        placementUnassigned,
        refused,
        nodes,
        nodesWithoutReport,
        Set.of(),
        now,
        previous);
  }

  /**
   * The status, with the nodes the mass-failure guard holds ({@code held}, see {@link
   * MassFailureGuard}): Down, yet still holding their floating IPs. While any of this group's nodes
   * is held, Degraded says FailoverFrozen.
   */
  public static NetworkGatewayGroupStatus status(
      Long generation,
      Map<String, String> floatingIPs,
      Map<String, String> standbys,
      Map<String, String> placementUnassigned,
      Map<String, String> refused,
      Map<String, String> nodes,
      List<String> nodesWithoutReport,
      Set<String> held,
      Instant now,
      NetworkGatewayGroupStatus previous) {
    List<Condition> before = previous == null ? null : previous.getConditions();
    Map<String, String> unassigned = new LinkedHashMap<>(placementUnassigned);
    refused.forEach((ip, why) -> unassigned.put(ip, "refused, " + why));
    boolean allAssigned = unassigned.isEmpty();
    List<String> down =
        nodes.entrySet().stream()
            .filter(e -> NetworkGatewayGroupStatus.NODE_DOWN.equals(e.getValue()))
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    String waiting =
        nodesWithoutReport.isEmpty()
            ? ""
            : " Not eligible until their agent reports subnets: "
                + String.join(", ", nodesWithoutReport.stream().sorted().toList())
                + ".";
    Condition ready =
        allAssigned
            ? Conditions.of(
                READY,
                true,
                "AllFloatingIPsAssigned",
                "Every floating IP is held by a node." + waiting,
                generation,
                now,
                before)
            : Conditions.of(
                READY,
                false,
                "FloatingIPsUnassigned",
                unassigned.size()
                    + " of "
                    + (unassigned.size() + floatingIPs.size())
                    + " floating IPs have no node."
                    + waiting,
                generation,
                now,
                before);
    List<String> frozen = down.stream().filter(held::contains).toList();
    Condition degraded;
    if (!frozen.isEmpty()) {
      degraded =
          Conditions.of(
              DEGRADED,
              true,
              FAILOVER_FROZEN,
              "Failover frozen: more than the allowed share of nodes went Down at once, so their"
                  + " floating IPs stay where they are until they return, their Node objects are"
                  + " deleted, or egressgw.controller.liveness.max-down-share is raised. Held: "
                  + String.join(", ", frozen)
                  + "."
                  + waiting,
              generation,
              now,
              before);
    } else if (!allAssigned) {
      degraded =
          Conditions.of(
              DEGRADED,
              true,
              refused.isEmpty() ? "NoEligibleNode" : "FloatingIPRefused",
              unassigned.entrySet().stream()
                      .map(e -> e.getKey() + ": " + e.getValue())
                      .collect(Collectors.joining("; "))
                  + "."
                  + waiting,
              generation,
              now,
              before);
    } else if (!down.isEmpty()) {
      degraded =
          Conditions.of(
              DEGRADED,
              true,
              "NodeDown",
              "Down: " + String.join(", ", down) + "." + waiting,
              generation,
              now,
              before);
    } else {
      degraded =
          Conditions.of(
              DEGRADED,
              false,
              "AllNodesUp",
              "Every floating IP is held and every node is Up." + waiting,
              generation,
              now,
              before);
    }
    NetworkGatewayGroupStatus s = new NetworkGatewayGroupStatus();
    s.setNodes(new TreeMap<>(nodes));
    s.setFloatingIPs(new TreeMap<>(floatingIPs));
    s.setStandbys(new TreeMap<>(standbys));
    s.setObservedGeneration(generation);
    s.setConditions(Conditions.list(ready, degraded));
    return s;
  }

  /** Equal apart from condition transition times. */
  public static boolean same(NetworkGatewayGroupStatus a, NetworkGatewayGroupStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(sorted(a.getNodes()), sorted(b.getNodes()))
        && Objects.equals(sorted(a.getFloatingIPs()), sorted(b.getFloatingIPs()))
        && Objects.equals(sorted(a.getStandbys()), sorted(b.getStandbys()))
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Conditions.same(a.getConditions(), b.getConditions());
  }

  private static Map<String, String> sorted(Map<String, String> m) {
    return m == null ? Map.of() : new TreeMap<>(m);
  }
}

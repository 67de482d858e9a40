package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** NetworkGatewayGroup status from a placement outcome, table-driven. */
class GroupStatusesTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "all assigned, all Up",
            Map.of("192.168.1.100", "w1"),
            Map.of(),
            Map.of("w1", "Up"),
            List.of(),
            "True",
            "AllFloatingIPsAssigned",
            "False",
            "AllNodesUp",
            ""),
        Arguments.of(
            "all assigned, one node Down",
            Map.of("192.168.1.100", "w1"),
            Map.of(),
            Map.of("w1", "Up", "w2", "Down"),
            List.of(),
            "True",
            "AllFloatingIPsAssigned",
            "True",
            "NodeDown",
            "Down: w2."),
        Arguments.of(
            "an IP with no eligible node",
            Map.of(),
            Map.of("192.168.1.100", "no node is up"),
            Map.of("w1", "Down"),
            List.of(),
            "False",
            "FloatingIPsUnassigned",
            "True",
            "NoEligibleNode",
            "192.168.1.100: no node is up."),
        Arguments.of(
            "a node whose agent has not reported",
            Map.of("192.168.1.100", "w1"),
            Map.of(),
            Map.of("w1", "Up"),
            List.of("w3"),
            "True",
            "AllFloatingIPsAssigned",
            "False",
            "AllNodesUp",
            "Not eligible until their agent reports subnets: w3."));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void conditions(
      String description,
      Map<String, String> assigned,
      Map<String, String> unassigned,
      Map<String, String> nodes,
      List<String> waiting,
      String ready,
      String readyReason,
      String degraded,
      String degradedReason,
      String degradedMessagePart) {
    NetworkGatewayGroupStatus s =
        GroupStatuses.status(4L, assigned, Map.of(), unassigned, nodes, waiting, T0, null);
    assertEquals(assigned, s.getFloatingIPs());
    assertEquals(nodes, s.getNodes());
    assertEquals(4L, s.getObservedGeneration());
    Condition r = s.getConditions().get(0);
    Condition d = s.getConditions().get(1);
    assertEquals(
        List.of("Ready", ready, readyReason), List.of(r.getType(), r.getStatus(), r.getReason()));
    assertEquals(
        List.of("Degraded", degraded, degradedReason),
        List.of(d.getType(), d.getStatus(), d.getReason()));
    assertTrue(d.getMessage().contains(degradedMessagePart), d.getMessage());
  }

  @Test
  void heldNodesAreDownAndDegradedSaysFailoverFrozen() {
    NetworkGatewayGroupStatus s =
        GroupStatuses.status(
            4L,
            Map.of("192.168.1.100", "w1"),
            Map.of(),
            Map.of(),
            Map.of(),
            Map.of("w1", "Down", "w2", "Down", "w3", "Up"),
            List.of(),
            java.util.Set.of("w1", "w2"),
            T0,
            null);

    Condition d = s.getConditions().get(1);
    assertEquals(List.of("True", "FailoverFrozen"), List.of(d.getStatus(), d.getReason()));
    assertTrue(d.getMessage().contains("Held: w1, w2."), d.getMessage());
    assertEquals("True", s.getConditions().get(0).getStatus());
  }

  @Test
  void aRefusedFloatingIpIsUnassignedAndTheConditionSaysWhy() {
    NetworkGatewayGroupStatus s =
        GroupStatuses.status(
            4L,
            Map.of("192.168.1.120", "w1"),
            Map.of(), // standbys
            Map.of(), // unassigned by placement
            Map.of("192.168.1.2", "'192.168.1.2' is the address of Node w2"),
            Map.of("w1", "Up"),
            List.of(),
            T0,
            null);

    assertEquals(Map.of("192.168.1.120", "w1"), s.getFloatingIPs());
    Condition r = s.getConditions().get(0);
    Condition d = s.getConditions().get(1);
    assertEquals(List.of("False", "FloatingIPsUnassigned"), List.of(r.getStatus(), r.getReason()));
    assertTrue(r.getMessage().startsWith("1 of 2 floating IPs have no node"), r.getMessage());
    assertEquals(List.of("True", "FloatingIPRefused"), List.of(d.getStatus(), d.getReason()));
    assertTrue(
        d.getMessage().contains("192.168.1.2: refused, '192.168.1.2' is the address of Node w2"),
        d.getMessage());
  }

  @Test
  void transitionTimeMovesOnlyWhenTheConditionStatusChanges() {
    NetworkGatewayGroupStatus first =
        GroupStatuses.status(
            1L,
            Map.of("ip", "w1"),
            Map.of("ip", "w2"),
            Map.of(),
            Map.of("w1", "Up", "w2", "Up"),
            List.of(),
            T0,
            null);
    NetworkGatewayGroupStatus again =
        GroupStatuses.status(
            1L,
            Map.of("ip", "w1"),
            Map.of("ip", "w2"),
            Map.of(),
            Map.of("w1", "Up", "w2", "Up"),
            List.of(),
            T0.plusSeconds(60),
            first);
    assertEquals(
        first.getConditions().get(0).getLastTransitionTime(),
        again.getConditions().get(0).getLastTransitionTime());
    assertTrue(GroupStatuses.same(first, again));
    NetworkGatewayGroupStatus down =
        GroupStatuses.status(
            1L,
            Map.of("ip", "w1"),
            Map.of("ip", "w2"),
            Map.of(),
            Map.of("w1", "Up", "w2", "Down"),
            List.of(),
            T0.plusSeconds(60),
            first);
    assertFalse(GroupStatuses.same(first, down));
    assertEquals(
        T0.plusSeconds(60).toString(), down.getConditions().get(1).getLastTransitionTime());
  }

  @Test
  void standbysAreWrittenAndAnotherStandbyIsADifferentStatus() {
    NetworkGatewayGroupStatus first =
        GroupStatuses.status(
            1L,
            Map.of("ip", "w1"),
            Map.of("ip", "w2"),
            Map.of(),
            Map.of("w1", "Up", "w2", "Up", "w3", "Up"),
            List.of(),
            T0,
            null);
    NetworkGatewayGroupStatus moved =
        GroupStatuses.status(
            1L,
            Map.of("ip", "w1"),
            Map.of("ip", "w3"),
            Map.of(),
            Map.of("w1", "Up", "w2", "Up", "w3", "Up"),
            List.of(),
            T0,
            first);

    assertEquals(Map.of("ip", "w2"), first.getStandbys());
    assertFalse(GroupStatuses.same(first, moved), "a new standby must be written");
  }
}

package io.egressgw.controller;

import static io.egressgw.controller.ClusterFixtures.group;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.placement.FloatingIpMove;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Event recorded on a NetworkGatewayGroup for each kind of floating IP move. */
class FloatingIpEventsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static Stream<Arguments> moves() {
    return Stream.of(
        Arguments.of(
            "an IP placed for the first time",
            new FloatingIpMove("192.168.1.100", null, "w1", "assigned to w1"),
            "FloatingIPAssigned",
            "Normal",
            "192.168.1.100: - -> w1 (assigned to w1)"),
        Arguments.of(
            "a failover",
            new FloatingIpMove("192.168.1.100", "w1", "w2", "node w1 is down; assigned to w2"),
            "FloatingIPMoved",
            "Warning",
            "192.168.1.100: w1 -> w2 (node w1 is down; assigned to w2)"),
        Arguments.of(
            "a planned hand-over: the holder was cordoned",
            new FloatingIpMove(
                "192.168.1.100",
                "w1",
                "w2",
                "node w1 is cordoned (spec.unschedulable); assigned to w2, its standby",
                "Cordoned"),
            "FloatingIPMoved",
            "Normal",
            "192.168.1.100: w1 -> w2 (Cordoned: node w1 is cordoned (spec.unschedulable);"
                + " assigned to w2, its standby)"),
        Arguments.of(
            "no node left",
            new FloatingIpMove("192.168.1.100", "w1", null, "unassigned: no nodes"),
            "FloatingIPUnassigned",
            "Warning",
            "192.168.1.100: w1 -> - (unassigned: no nodes)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("moves")
  void event(String description, FloatingIpMove move, String reason, String type, String message) {
    NetworkGatewayGroup g = group("kube-system", "default", Map.of(), "192.168.1.100");
    g.getMetadata().setUid("uid-1");

    Event e = FloatingIpEvents.event(g, move, T0, "1f");

    assertEquals(reason, e.getReason());
    assertEquals(type, e.getType());
    assertEquals(message, e.getMessage());
    assertEquals("default.1f", e.getMetadata().getName());
    assertEquals("kube-system", e.getMetadata().getNamespace());
    assertEquals(NetworkGatewayGroup.KIND, e.getInvolvedObject().getKind());
    assertEquals("uid-1", e.getInvolvedObject().getUid());
    assertEquals(T0.toString(), e.getFirstTimestamp());
    assertEquals("egressgw-controller", e.getReportingComponent());
  }

  @org.junit.jupiter.api.Test
  void aNodeThatYieldedToAnotherHostGetsAConflictWarning() {
    NetworkGatewayGroup g = group("kube-system", "default", Map.of(), "192.168.1.100");

    Event e =
        FloatingIpEvents.conflictEvent(
            g, "w1", "192.168.1.100", "02:00:00:00:00:02", "w2", T0, "2a");

    assertEquals("FloatingIPConflict", e.getReason());
    assertEquals("Warning", e.getType());
    assertEquals(
        "192.168.1.100: another host (02:00:00:00:00:02) announced it while node w1 held it;"
            + " w1 yielded (assigned to w2)",
        e.getMessage());
    assertEquals("default.2a", e.getMetadata().getName());
  }
}

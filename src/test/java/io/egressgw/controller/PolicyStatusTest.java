package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.egressgw.policy.PolicyOutcome;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** EgressNATPolicy status from the compiler's outcome and the nodes' acknowledgements. */
class PolicyStatusTest {
  static PolicyOutcome outcome(boolean applied, String node, String nodeIP, String message) {
    return new PolicyOutcome(
        "p",
        1,
        applied,
        applied ? "192.168.1.100" : null,
        node,
        nodeIP,
        3,
        2,
        List.of(),
        List.of(),
        message);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "every carrier acknowledged",
            outcome(true, "w1", "192.168.1.11", "ready"),
            2,
            2,
            "True",
            "True",
            "Programmed",
            "2 of 2 nodes programmed."),
        Arguments.of(
            "one carrier still applying",
            outcome(true, "w1", "192.168.1.11", "ready"),
            1,
            2,
            "True",
            "False",
            "Pending",
            "1 of 2 nodes programmed."),
        Arguments.of(
            "no node holds the egress IP (fail closed)",
            outcome(true, null, null, "no holder"),
            2,
            2,
            "True",
            "False",
            "NoGateway",
            "2 of 2 nodes programmed. no holder"),
        Arguments.of(
            "gateway group missing",
            outcome(false, null, null, "gateway kube-system/x not found"),
            0,
            0,
            "False",
            "False",
            "NotAccepted",
            "0 of 0 nodes programmed. gateway kube-system/x not found"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void status(
      String description,
      PolicyOutcome o,
      int programmed,
      int carriers,
      String accepted,
      String programmedStatus,
      String programmedReason,
      String programmedMessage) {
    EgressNATPolicy p = new EgressNATPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName("p").withGeneration(3L).build());
    EgressNATPolicyStatus s = PolicyStatuses.status(p, o, programmed, carriers, Instant.EPOCH);
    assertEquals(3L, s.getObservedGeneration());
    assertEquals(o.egressIP(), s.getEgressIP());
    assertEquals(o.gatewayNode(), s.getGatewayNode());
    assertEquals(accepted, s.getConditions().get(0).getStatus());
    assertEquals(
        List.of("Programmed", programmedStatus, programmedReason, programmedMessage),
        List.of(
            s.getConditions().get(1).getType(),
            s.getConditions().get(1).getStatus(),
            s.getConditions().get(1).getReason(),
            s.getConditions().get(1).getMessage()));
  }

  @org.junit.jupiter.api.Test
  void onlyPendingProgressMayBeDeferredNeverTheFinalProgrammed() {
    EgressNATPolicy p = new EgressNATPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName("p").withGeneration(3L).build());
    PolicyOutcome ready = outcome(true, "w1", "192.168.1.11", "ready");
    EgressNATPolicyStatus oneOfThree = PolicyStatuses.status(p, ready, 1, 3, Instant.EPOCH);
    EgressNATPolicyStatus twoOfThree = PolicyStatuses.status(p, ready, 2, 3, Instant.EPOCH);
    EgressNATPolicyStatus all = PolicyStatuses.status(p, ready, 3, 3, Instant.EPOCH);
    EgressNATPolicyStatus noHolder =
        PolicyStatuses.status(p, outcome(true, null, null, "no holder"), 2, 3, Instant.EPOCH);

    assertEquals(
        true, PolicyStatuses.onlyProgress(oneOfThree, twoOfThree), "1 -> 2 of 3 is progress");
    assertEquals(
        false, PolicyStatuses.onlyProgress(twoOfThree, all), "Programmed True is written at once");
    assertEquals(
        false,
        PolicyStatuses.onlyProgress(twoOfThree, noHolder),
        "a lost gateway is written at once");
    assertEquals(
        false,
        PolicyStatuses.onlyProgress(null, oneOfThree),
        "the first status is written at once");
    p.getMetadata().setGeneration(4L);
    assertEquals(
        false,
        PolicyStatuses.onlyProgress(
            oneOfThree, PolicyStatuses.status(p, ready, 2, 3, Instant.EPOCH)),
        "a new generation is written at once");
  }

  @org.junit.jupiter.api.Test
  void aNodeThatCannotApplyItsProgramTurnsProgrammedFalseWithTheCause() {
    EgressNATPolicy p = new EgressNATPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName("p").withGeneration(3L).build());
    PolicyOutcome ready = outcome(true, "w1", "192.168.1.11", "ready");

    EgressNATPolicyStatus full =
        PolicyStatuses.status(
            p,
            ready,
            1,
            2,
            java.util.Map.of("w2", "CapacityExceeded: routes: 1000001 entries, capacity 1000000"),
            Instant.EPOCH);
    EgressNATPolicyStatus broken =
        PolicyStatuses.status(
            p, ready, 1, 2, java.util.Map.of("w2", "nft: no such table"), Instant.EPOCH);

    assertEquals(
        List.of(
            "False",
            "CapacityExceeded",
            "1 of 2 nodes programmed. Node w2: CapacityExceeded: routes: 1000001 entries, capacity"
                + " 1000000."),
        List.of(
            full.getConditions().get(1).getStatus(),
            full.getConditions().get(1).getReason(),
            full.getConditions().get(1).getMessage()));
    assertEquals("ApplyFailed", broken.getConditions().get(1).getReason());
    assertEquals(false, PolicyStatuses.onlyProgress(full, broken), "a failure is written at once");
  }
}

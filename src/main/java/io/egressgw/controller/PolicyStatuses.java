package io.egressgw.controller;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.egressgw.policy.PolicyOutcome;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status of one EgressNATPolicy from the compiler's outcome and the rollout's progress (pure):
 * observedGeneration, egressIP, gatewayNode, and the conditions
 *
 * <ul>
 *   <li>Accepted: the policy's gateway exists and has a floating IP (else False with the compiler's
 *       reason); invalid destinations are named in the message.
 *   <li>Programmed: every node whose program carries the policy acknowledged it ("N of M nodes
 *       programmed") and the egress IP has a holder; False otherwise: NotAccepted, NoGateway,
 *       CapacityExceeded or ApplyFailed (a node's agent reported that it could not apply its
 *       program; the node keeps its last one), or Pending.
 * </ul>
 */
public final class PolicyStatuses {
  public static final String ACCEPTED = "Accepted";
  public static final String PROGRAMMED = "Programmed";

  /**
   * While a rollout is under way, "N of M nodes programmed" changes with every acknowledgement;
   * such progress is written at most every {@link #PROGRESS_INTERVAL}, so that a rollout to 1,000
   * nodes does not turn into hundreds of status writes. The final Programmed True, and any other
   * change, is written at once.
   */
  static final Duration PROGRESS_INTERVAL = Duration.ofMillis(250);

  private PolicyStatuses() {}

  /** True when {@code desired} differs from {@code lastWritten} only by rollout progress. */
  static boolean onlyProgress(EgressNATPolicyStatus lastWritten, EgressNATPolicyStatus desired) {
    return lastWritten != null
        && "Pending".equals(programmedReason(lastWritten))
        && "Pending".equals(programmedReason(desired))
        && Objects.equals(lastWritten.getObservedGeneration(), desired.getObservedGeneration())
        && Objects.equals(lastWritten.getEgressIP(), desired.getEgressIP())
        && Objects.equals(lastWritten.getGatewayNode(), desired.getGatewayNode());
  }

  private static String programmedReason(EgressNATPolicyStatus s) {
    if (s.getConditions() == null) {
      return null;
    }
    return s.getConditions().stream()
        .filter(c -> PROGRAMMED.equals(c.getType()))
        .map(Condition::getReason)
        .findFirst()
        .orElse(null);
  }

  /** Reason of Programmed=False when a node's agent reports that its program does not fit. */
  public static final String CAPACITY_EXCEEDED = "CapacityExceeded";

  /** Reason of Programmed=False when a node's agent reports any other apply failure. */
  public static final String APPLY_FAILED = "ApplyFailed";

  /** The status of {@code p}: {@code programmed} of its {@code carriers} nodes acknowledged. */
  static EgressNATPolicyStatus status(
      EgressNATPolicy p, PolicyOutcome o, int programmed, int carriers, Instant now) {
    return status(p, o, programmed, carriers, Map.of(), now);
  }

  /**
   * The status of {@code p}: {@code programmed} of its {@code carriers} nodes acknowledged, and
   * {@code applyErrors}: node -> the apply error its agent reports, for carriers not programmed.
   */
  static EgressNATPolicyStatus status(
      EgressNATPolicy p,
      PolicyOutcome o,
      int programmed,
      int carriers,
      Map<String, String> applyErrors,
      Instant now) {
    Long generation = p.getMetadata().getGeneration();
    List<Condition> before = p.getStatus() == null ? null : p.getStatus().getConditions();
    String invalid =
        o.invalidCidrs().isEmpty()
            ? ""
            : " Ignored invalid destinations: " + String.join(", ", o.invalidCidrs()) + ".";
    Condition accepted =
        o.applied()
            ? Conditions.of(
                ACCEPTED,
                true,
                "Accepted",
                "The gateway resolves to egress IP " + o.egressIP() + "." + invalid,
                generation,
                now,
                before)
            : Conditions.of(
                ACCEPTED, false, "GatewayUnavailable", o.message(), generation, now, before);
    String counted = programmed + " of " + carriers + " nodes programmed";
    Condition programmedCondition;
    if (!o.applied()) {
      programmedCondition =
          Conditions.of(
              PROGRAMMED,
              false,
              "NotAccepted",
              counted + ". " + o.message(),
              generation,
              now,
              before);
    } else if (!o.ready()) {
      programmedCondition =
          Conditions.of(
              PROGRAMMED,
              false,
              "NoGateway",
              counted + ". " + o.message(),
              generation,
              now,
              before);
    } else if (programmed < carriers && !applyErrors.isEmpty()) {
      boolean capacity =
          applyErrors.values().stream().anyMatch(e -> e.startsWith(CAPACITY_EXCEEDED));
      StringBuilder why = new StringBuilder(counted).append('.');
      applyErrors.forEach(
          (node, error) ->
              why.append(" Node ").append(node).append(": ").append(error).append('.'));
      programmedCondition =
          Conditions.of(
              PROGRAMMED,
              false,
              capacity ? CAPACITY_EXCEEDED : APPLY_FAILED,
              why.toString(),
              generation,
              now,
              before);
    } else if (programmed < carriers) {
      programmedCondition =
          Conditions.of(PROGRAMMED, false, "Pending", counted + ".", generation, now, before);
    } else {
      programmedCondition =
          Conditions.of(PROGRAMMED, true, "Programmed", counted + ".", generation, now, before);
    }
    EgressNATPolicyStatus s = new EgressNATPolicyStatus();
    s.setObservedGeneration(generation);
    s.setEgressIP(o.egressIP());
    s.setGatewayNode(o.gatewayNode());
    s.setConditions(Conditions.list(accepted, programmedCondition));
    return s;
  }

  /** Equal apart from condition transition times. */
  static boolean same(EgressNATPolicyStatus a, EgressNATPolicyStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(a.getEgressIP(), b.getEgressIP())
        && Objects.equals(a.getGatewayNode(), b.getGatewayNode())
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Conditions.same(a.getConditions(), b.getConditions());
  }
}

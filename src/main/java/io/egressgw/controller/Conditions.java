package io.egressgw.controller;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Kubernetes-style conditions: a transition time that changes only when the status does. */
final class Conditions {
  private Conditions() {}

  static Condition of(
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      Instant now,
      List<Condition> previous) {
    String s = status ? "True" : "False";
    String since = now.toString();
    if (previous != null) {
      for (Condition c : previous) {
        if (type.equals(c.getType())
            && s.equals(c.getStatus())
            && c.getLastTransitionTime() != null) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new ConditionBuilder()
        .withType(type)
        .withStatus(s)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }

  /** Equal apart from transition times. */
  static boolean same(List<Condition> a, List<Condition> b) {
    List<Condition> x = a == null ? List.of() : a;
    List<Condition> y = b == null ? List.of() : b;
    if (x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      Condition c = x.get(i);
      Condition d = y.get(i);
      if (!Objects.equals(c.getType(), d.getType())
          || !Objects.equals(c.getStatus(), d.getStatus())
          || !Objects.equals(c.getReason(), d.getReason())
          || !Objects.equals(c.getMessage(), d.getMessage())
          || !Objects.equals(c.getObservedGeneration(), d.getObservedGeneration())) {
        return false;
      }
    }
    return true;
  }

  static List<Condition> list(Condition... cs) {
    return new ArrayList<>(List.of(cs));
  }
}

package io.egressgw.validation;

import java.util.List;

/**
 * The outcome of admitting one object: allowed, or rejected with the violations that say why. The
 * outcome tells an API edge which status to answer (REST: 422 or 409; an admission webhook: denied
 * with the same messages).
 */
public record Verdict(Outcome outcome, List<Violation> violations) {

  /** Why an object is rejected, or that it is not. */
  public enum Outcome {
    /** Nothing wrong. */
    ALLOWED,
    /** The object itself, or a reference it makes, is invalid (HTTP 422). */
    INVALID,
    /** The object is valid on its own but clashes with another stored object (HTTP 409). */
    CONFLICT
  }

  public Verdict {
    violations = List.copyOf(violations);
  }

  public static Verdict allowed() {
    return new Verdict(Outcome.ALLOWED, List.of());
  }

  public static Verdict invalid(List<Violation> violations) {
    return violations.isEmpty() ? allowed() : new Verdict(Outcome.INVALID, violations);
  }

  public static Verdict conflict(List<Violation> violations) {
    return violations.isEmpty() ? allowed() : new Verdict(Outcome.CONFLICT, violations);
  }

  public boolean isAllowed() {
    return outcome == Outcome.ALLOWED;
  }
}

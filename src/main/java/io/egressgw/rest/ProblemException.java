package io.egressgw.rest;

import io.egressgw.validation.Violation;
import java.util.List;

/** A request refused with a problem detail; {@link ProblemMappers} renders it. */
public class ProblemException extends RuntimeException {
  private final int status;
  private final String type;
  private final String title;
  private final List<Problem.FieldError> errors;

  public ProblemException(
      int status, String type, String title, String detail, List<Problem.FieldError> errors) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = List.copyOf(errors);
  }

  public static ProblemException of(
      int status, String type, String title, String detail, String field, String message) {
    return new ProblemException(
        status, type, title, detail, List.of(new Problem.FieldError(field, message)));
  }

  public static ProblemException fromViolations(
      int status, String type, String title, String detail, List<Violation> violations) {
    return new ProblemException(
        status, type, title, detail, violations.stream().map(Problem.FieldError::of).toList());
  }

  public Problem toProblem(String instance) {
    return new Problem(Problem.type(type), title, status, getMessage(), instance, errors);
  }

  public int status() {
    return status;
  }
}

package io.egressgw.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.egressgw.validation.Violation;
import java.util.List;

/**
 * An RFC 9457 problem detail, the body of every error the REST API answers
 * (application/problem+json). {@code errors} has one entry per violation: the field path and why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
    String type,
    String title,
    int status,
    String detail,
    String instance,
    List<FieldError> errors) {

  public static final String MEDIA_TYPE = "application/problem+json";
  private static final String TYPE_PREFIX = "urn:egressgw:problem:";

  /** One violation: the JSON path of the field (e.g. spec.floatingIPs[1]) and the reason. */
  public record FieldError(String field, String message) {
    static FieldError of(Violation v) {
      return new FieldError(v.field(), v.message());
    }
  }

  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  /** The problem type URI for a short name, e.g. "invalid" -> urn:egressgw:problem:invalid. */
  public static String type(String name) {
    return TYPE_PREFIX + name;
  }
}

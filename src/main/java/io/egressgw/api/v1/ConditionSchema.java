package io.egressgw.api.v1;

/**
 * The OpenAPI schema of a status's {@code conditions}, written as a JSON merge patch that the CRD
 * generator applies to each status class (through {@code @SchemaCustomizer}). The Java field is
 * fabric8's {@code Condition}, which carries no schema annotations of its own; the patch makes the
 * generated schema that of Kubernetes' metav1.Condition: every field described, type, status,
 * lastTransitionTime, reason and message required, status one of True/False/Unknown,
 * lastTransitionTime a date-time, and the list a map keyed by type (so that server-side apply
 * merges conditions by type instead of replacing the list).
 */
final class ConditionSchema {
  private ConditionSchema() {}

  /** Merge patch for a status class whose conditions field is named {@code conditions}. */
  static final String MERGE_PATCH =
      """
      {"properties": {"conditions": {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        "items": {
          "description": "One aspect of the object's current state (metav1.Condition).",
          "required": ["type", "status", "lastTransitionTime", "reason", "message"],
          "properties": {
            "type": {
              "description": "The aspect this condition is about, in CamelCase.",
              "maxLength": 316,
              "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
            },
            "status": {
              "description": "Whether the condition holds: True, False or Unknown.",
              "enum": ["True", "False", "Unknown"]
            },
            "lastTransitionTime": {
              "description": "When status last changed to its current value (RFC 3339).",
              "format": "date-time"
            },
            "reason": {
              "description": "Why status has its value, one CamelCase word for programs.",
              "minLength": 1,
              "maxLength": 1024,
              "pattern": "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"
            },
            "message": {
              "description": "Why status has its value, in a sentence for people; may be empty.",
              "maxLength": 32768
            },
            "observedGeneration": {
              "description": "The metadata.generation the condition was computed from.",
              "format": "int64",
              "minimum": 0
            }
          }
        }
      }}}
      """;
}

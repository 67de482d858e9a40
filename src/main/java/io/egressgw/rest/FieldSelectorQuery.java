package io.egressgw.rest;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The {@code fieldSelector} query parameter of list calls, in Kubernetes' syntax, on the two fields
 * every custom resource supports: comma-separated requirements that must all hold, each {@code
 * field=value} (also {@code ==}) or {@code field!=value}, with field {@code metadata.name} or
 * {@code metadata.namespace} (empty for a cluster-scoped object, as in Kubernetes). Anything else
 * is a 400 naming {@code fieldSelector}.
 */
record FieldSelectorQuery(List<Requirement> requirements) implements Predicate<ObjectMeta> {
  static final String PARAMETER = "fieldSelector";

  /** The fields Kubernetes supports on every custom resource. */
  enum Field {
    NAME("metadata.name"),
    NAMESPACE("metadata.namespace");

    final String path;

    Field(String path) {
      this.path = path;
    }

    String of(ObjectMeta meta) {
      String value = this == NAME ? meta.getName() : meta.getNamespace();
      return value == null ? "" : value;
    }
  }

  /** One requirement on one field: equal to the value, or not. */
  record Requirement(Field field, boolean equal, String value) {
    boolean test(ObjectMeta meta) {
      return Objects.equals(field.of(meta), value) == equal;
    }
  }

  /** Matches every object: no parameter, or an empty one. */
  static final FieldSelectorQuery EVERYTHING = new FieldSelectorQuery(List.of());

  @Override
  public boolean test(ObjectMeta meta) {
    return requirements.stream().allMatch(r -> r.test(meta));
  }

  static FieldSelectorQuery parse(String selector) {
    if (selector == null || selector.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> out = new ArrayList<>();
    for (String part : selector.split(",", -1)) {
      out.add(requirement(part.trim(), selector));
    }
    return new FieldSelectorQuery(List.copyOf(out));
  }

  private static Requirement requirement(String text, String selector) {
    int at;
    int length;
    boolean equal;
    if ((at = text.indexOf("!=")) >= 0) {
      length = 2;
      equal = false;
    } else if ((at = text.indexOf("==")) >= 0) {
      length = 2;
      equal = true;
    } else if ((at = text.indexOf('=')) >= 0) {
      length = 1;
      equal = true;
    } else {
      throw invalid(
          selector, "'" + text + "' is not a requirement: use field=value or field!=value");
    }
    String path = text.substring(0, at).trim();
    String value = text.substring(at + length).trim();
    if (value.contains("=")) {
      throw invalid(selector, "'" + text + "' has more than one operator");
    }
    for (Field field : Field.values()) {
      if (field.path.equals(path)) {
        return new Requirement(field, equal, value);
      }
    }
    throw invalid(
        selector, "field '" + path + "' is not supported: use metadata.name or metadata.namespace");
  }

  private static ProblemException invalid(String selector, String why) {
    return ProblemException.of(
        400,
        "bad-parameter",
        "Bad parameter",
        "fieldSelector '" + selector + "' is invalid",
        PARAMETER,
        why);
  }
}

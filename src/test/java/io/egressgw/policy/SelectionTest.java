package io.egressgw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Source selection (namespace labels AND pod labels, rules OR-ed), with the reference example. */
class SelectionTest {

  /** The reference's policy: role=frontend pods in namespaces labeled user=alice or user=paul. */
  static final PolicyInput REFERENCE =
      new PolicyInput(
          "egress",
          List.of(
              new PolicyInput.Rule(Map.of("user", "alice"), Map.of("role", "frontend")),
              new PolicyInput.Rule(Map.of("user", "paul"), Map.of("role", "frontend"))),
          List.of("8.8.8.0/24"),
          "kube-system/default");

  record Row(
      String desc,
      PolicyInput policy,
      Map<String, String> namespaceLabels,
      Map<String, String> podLabels,
      boolean selected) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static PolicyInput single(Map<String, String> ns, Map<String, String> pod) {
    return new PolicyInput("p", List.of(new PolicyInput.Rule(ns, pod)), List.of(), "g/g");
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row(
            "alice frontend is selected",
            REFERENCE,
            Map.of("user", "alice"),
            Map.of("role", "frontend"),
            true),
        new Row(
            "alice backend is not",
            REFERENCE,
            Map.of("user", "alice"),
            Map.of("role", "backend"),
            false),
        new Row(
            "paul frontend is selected (second rule)",
            REFERENCE,
            Map.of("user", "paul"),
            Map.of("role", "frontend"),
            true),
        new Row(
            "bob frontend is not",
            REFERENCE,
            Map.of("user", "bob"),
            Map.of("role", "frontend"),
            false),
        new Row(
            "alice pod without labels is not", REFERENCE, Map.of("user", "alice"), Map.of(), false),
        new Row(
            "unlabeled namespace is not", REFERENCE, Map.of(), Map.of("role", "frontend"), false),
        new Row(
            "extra labels on namespace and pod do not matter",
            REFERENCE,
            Map.of("user", "alice", "team", "x"),
            Map.of("role", "frontend", "app", "web"),
            true),
        new Row(
            "labels are not mixed across rules (alice's namespace, paul's rule)",
            new PolicyInput(
                "p",
                List.of(
                    new PolicyInput.Rule(Map.of("user", "alice"), Map.of("role", "db")),
                    new PolicyInput.Rule(Map.of("user", "paul"), Map.of("role", "frontend"))),
                List.of(),
                "g/g"),
            Map.of("user", "alice"),
            Map.of("role", "frontend"),
            false),
        new Row(
            "empty namespace selector matches every namespace",
            single(Map.of(), Map.of("role", "frontend")),
            Map.of("user", "bob"),
            Map.of("role", "frontend"),
            true),
        new Row(
            "empty pod selector matches every pod",
            single(Map.of("user", "bob"), Map.of()),
            Map.of("user", "bob"),
            Map.of("x", "y"),
            true),
        new Row(
            "both empty match everything", single(Map.of(), Map.of()), Map.of(), Map.of(), true),
        new Row(
            "a value must match exactly",
            single(Map.of(), Map.of("role", "frontend")),
            Map.of(),
            Map.of("role", "Frontend"),
            false),
        new Row(
            "every selector label is required",
            single(Map.of("user", "alice", "env", "prod"), Map.of()),
            Map.of("user", "alice"),
            Map.of(),
            false),
        new Row(
            "no rules select nothing",
            new PolicyInput("p", List.of(), List.of(), "g/g"),
            Map.of(),
            Map.of(),
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void selects(Row row) {
    assertEquals(
        row.selected(),
        PolicyCompiler.selects(row.policy(), row.namespaceLabels(), row.podLabels()),
        row.desc());
  }
}

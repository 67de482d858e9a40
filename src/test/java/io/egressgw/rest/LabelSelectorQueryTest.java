package io.egressgw.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Kubernetes label selector syntax, as the labelSelector parameter of the list calls reads it. */
class LabelSelectorQueryTest {
  private static final Map<String, String> TEAM_A = Map.of("team", "a", "tier", "web");
  private static final Map<String, String> TEAM_B = Map.of("team", "b");
  private static final Map<String, String> NONE = Map.of();

  static Stream<Arguments> matches() {
    return Stream.of(
        Arguments.of("empty selects everything", "", NONE, true),
        Arguments.of("equality", "team=a", TEAM_A, true),
        Arguments.of("equality, other value", "team=a", TEAM_B, false),
        Arguments.of("double equals", "team==b", TEAM_B, true),
        Arguments.of("inequality", "team!=a", TEAM_B, true),
        Arguments.of("inequality matches a missing label", "team!=a", NONE, true),
        Arguments.of("inequality, same value", "team!=a", TEAM_A, false),
        Arguments.of("in", "team in (a, c)", TEAM_A, true),
        Arguments.of("in, not listed", "team in (a,c)", TEAM_B, false),
        Arguments.of("in needs the label", "team in (a)", NONE, false),
        Arguments.of("notin", "team notin (a)", TEAM_B, true),
        Arguments.of("notin matches a missing label", "team notin (a)", NONE, true),
        Arguments.of("exists", "tier", TEAM_A, true),
        Arguments.of("exists, missing", "tier", TEAM_B, false),
        Arguments.of("does not exist", "!tier", TEAM_B, true),
        Arguments.of("does not exist, present", "!tier", TEAM_A, false),
        Arguments.of("all requirements hold", "team in (a,b),tier=web", TEAM_A, true),
        Arguments.of("one requirement fails", "team in (a,b),tier=web", TEAM_B, false),
        Arguments.of("prefixed key", "example.com/team=a", Map.of("example.com/team", "a"), true),
        Arguments.of("empty value", "team=", Map.of("team", ""), true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matches")
  void selects(String desc, String selector, Map<String, String> labels, boolean selected) {
    assertThat(LabelSelectorQuery.parse(selector).test(labels)).as(desc).isEqualTo(selected);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("no key", "=a"),
        Arguments.of("unknown operator", "team>a"),
        Arguments.of("empty set", "team in ()"),
        Arguments.of("unclosed set", "team in (a"),
        Arguments.of("a value with a space", "team=a b"),
        Arguments.of("an empty requirement", "team=a,,tier"),
        Arguments.of("a key too long", "k".repeat(64) + "=a"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void anInvalidSelectorIs400NamingTheParameter(String desc, String selector) {
    assertThatThrownBy(() -> LabelSelectorQuery.parse(selector))
        .as(desc)
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.toProblem("/v1/egress-policies").errors())
                  .extracting(Problem.FieldError::field)
                  .containsExactly("labelSelector");
            });
  }
}

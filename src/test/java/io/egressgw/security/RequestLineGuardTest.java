package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Raw paths that a later decoder or normaliser could read as another path are refused. */
class RequestLineGuardTest {
  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("encoded slash", "/v1/namespaces/kube-system/gateway-groups/x%2F..%2Fdefault"),
        Arguments.of("encoded slash, lower case", "/v1/egress-policies/a%2fb"),
        Arguments.of("encoded backslash", "/v1/egress-policies/a%5Cb"),
        Arguments.of("backslash", "/v1/egress-policies/a\\b"),
        Arguments.of("matrix parameter", "/v1/egress-policies/a;x=y"),
        Arguments.of("encoded semicolon", "/v1/egress-policies/a%3Bx"),
        Arguments.of("empty segment", "/v1//egress-policies"),
        Arguments.of("dot-dot segment", "/v1/namespaces/a/../egress-policies"),
        Arguments.of("dot segment", "/v1/./egress-policies"),
        Arguments.of("encoded dot-dot", "/v1/egress-policies/%2e%2E"),
        Arguments.of("double encoding", "/v1/egress-policies/a%252Fb"),
        Arguments.of("relative", "v1/egress-policies"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesPathsThatCouldMeanAnotherPath(String desc, String raw) {
    assertThat(RequestLineGuard.problem(raw)).isPresent();
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("a group", "/v1/namespaces/kube-system/gateway-groups/default"),
        Arguments.of("a trailing slash", "/v1/egress-policies/"),
        Arguments.of("a dotted name", "/v1/egress-policies/a.b..c"),
        Arguments.of("health", "/q/health/live"),
        Arguments.of("root", "/"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void acceptsPlainPaths(String desc, String raw) {
    assertThat(RequestLineGuard.problem(raw)).isEmpty();
  }

  static Stream<Arguments> queries() {
    return Stream.of(
        Arguments.of("no query", null, null),
        Arguments.of("plain parameters", "limit=1&continue=abc", null),
        Arguments.of("encoded value", "labelSelector=team%3Da%2Cx%20in%20(a)", null),
        Arguments.of("lone percent signs", "continue=%%%", "continue"),
        Arguments.of(
            "bad hex after a good parameter", "limit=1&labelSelector=a%zz", "labelSelector"),
        Arguments.of("truncated escape", "fieldSelector=a%2", "fieldSelector"),
        Arguments.of("undecodable name", "a%zz=1", "a%zz"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queries")
  void namesTheFirstQueryParameterThatDoesNotDecode(String desc, String query, String expected) {
    assertThat(RequestLineGuard.undecodableParameter(query))
        .isEqualTo(Optional.ofNullable(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void tellsARequestTargetThatIsNotAUri(String desc, String target, boolean valid) {
    assertThat(RequestLineGuard.validUri(target)).isEqualTo(valid);
  }

  static Stream<Arguments> targets() {
    return Stream.of(
        Arguments.of("a list with a selector", "/v1/egress-policies?labelSelector=team%3Da", true),
        Arguments.of("a brace in the query", "/v1/egress-policies?labelSelector={a}", false),
        Arguments.of("a caret in the path", "/v1/egress-policies/a^b", false),
        Arguments.of("a bad escape in the path", "/v1/egress-policies/a%zz", false));
  }
}

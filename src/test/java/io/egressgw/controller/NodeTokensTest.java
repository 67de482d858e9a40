package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Per-node tokens: valid for their node only; anything else is not a credential. */
class NodeTokensTest {
  private static final NodeTokens TOKENS =
      new NodeTokens("0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
  private static final NodeTokens OTHER_SECRET =
      new NodeTokens("another-secret-of-20b".getBytes(StandardCharsets.UTF_8));

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("own token", TOKENS.tokenFor("w1"), "w1", AuthOutcome.ALLOWED),
        Arguments.of("another node's token", TOKENS.tokenFor("w2"), "w1", AuthOutcome.FORBIDDEN),
        Arguments.of(
            "token under another secret",
            OTHER_SECRET.tokenFor("w1"),
            "w1",
            AuthOutcome.UNAUTHENTICATED),
        Arguments.of(
            "node name swapped in",
            "w1" + TOKENS.tokenFor("w2").substring(2),
            "w1",
            AuthOutcome.UNAUTHENTICATED),
        Arguments.of("no dot", "w1", "w1", AuthOutcome.UNAUTHENTICATED),
        Arguments.of("not base64", "w1.***", "w1", AuthOutcome.UNAUTHENTICATED),
        Arguments.of("null", null, "w1", AuthOutcome.UNAUTHENTICATED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void check(String description, String token, String node, AuthOutcome expected) {
    assertEquals(expected, TOKENS.check(node, token));
  }
}

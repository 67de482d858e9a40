package io.egressgw.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Token-review mode (in a cluster) against the fabric8 API mock server in expectation mode, which
 * stands in for the API server's TokenReview answers: the agent's service account with a token
 * bound to a pod on node A is allowed for A only.
 */
class TokenReviewAuthAgainstApiEmulatorIT {
  private static KubernetesMockServer server;
  private static AgentAuthenticator auth;

  static TokenReview answer(boolean authenticated, String user, String node, String audience) {
    var b =
        new TokenReviewBuilder()
            .withNewStatus()
            .withAuthenticated(authenticated)
            .withAudiences(audience)
            .withNewUser()
            .withUsername(user)
            .withExtra(
                node == null ? Map.of() : Map.of(AgentAuthenticator.NODE_NAME_EXTRA, List.of(node)))
            .endUser()
            .endStatus();
    return b.build();
  }

  @BeforeAll
  @SuppressWarnings("UnnecessaryAssignment") // the authenticator is built by hand, outside CDI
  static void start() {
    server = new KubernetesMockServer(false);
    server.init();
    // The mock answers TokenReviews by the token in the request body.
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReply(
            200,
            req -> {
              String body = req.getBody().readUtf8();
              if (body.contains("token-of-agent-on-a")) {
                return answer(
                    true,
                    "system:serviceaccount:kube-system:egressgw-agent",
                    "node-a",
                    "egressgw-agent");
              }
              if (body.contains("token-of-other-sa")) {
                return answer(
                    true, "system:serviceaccount:default:app", "node-a", "egressgw-agent");
              }
              if (body.contains("token-without-audience")) {
                return new TokenReviewBuilder(
                        answer(
                            true,
                            "system:serviceaccount:kube-system:egressgw-agent",
                            "node-a",
                            "x"))
                    .editStatus()
                    .withAudiences(List.of())
                    .endStatus()
                    .build();
              }
              if (body.contains("token-wrong-audience")) {
                return answer(
                    true,
                    "system:serviceaccount:kube-system:egressgw-agent",
                    "node-a",
                    "kubernetes");
              }
              return answer(false, null, null, "egressgw-agent");
            })
        .always();
    auth = new AgentAuthenticator();
    auth.client = server.createClient();
    auth.clock = Clock.systemUTC();
    auth.settings =
        new ChannelSettings() {
          @Override
          public Duration longPollTimeout() {
            return Duration.ofSeconds(25);
          }

          @Override
          public Duration rolloutStepTimeout() {
            return Duration.ofSeconds(1);
          }

          @Override
          public String signingKeyFile() {
            return "unused";
          }

          @Override
          public String publicKeyFile() {
            return "unused";
          }

          @Override
          public boolean generateKeys() {
            return false;
          }

          @Override
          public java.util.Optional<String> signingKeySecret() {
            return java.util.Optional.empty();
          }

          @Override
          public Duration keySyncInterval() {
            return Duration.ofSeconds(30);
          }

          @Override
          public Replication replication() {
            throw new UnsupportedOperationException("not used by the authenticator");
          }

          @Override
          public OptionalInt port() {
            return OptionalInt.empty();
          }

          @Override
          public Auth auth() {
            return new Auth() {
              @Override
              public String mode() {
                return "token-review";
              }

              @Override
              public String tokenSecretFile() {
                return "unused";
              }

              @Override
              public String tokenDir() {
                return "unused";
              }

              @Override
              public String audience() {
                return "egressgw-agent";
              }

              @Override
              public String agentServiceAccount() {
                return "kube-system:egressgw-agent";
              }

              @Override
              public Duration cacheTtl() {
                return Duration.ofSeconds(60);
              }

              @Override
              public Optional<List<String>> preissue() {
                return Optional.empty();
              }
            };
          }
        };
  }

  @AfterAll
  static void stop() {
    server.destroy();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "agent token bound to node-a, for node-a",
            "token-of-agent-on-a",
            "node-a",
            AuthOutcome.ALLOWED),
        Arguments.of(
            "agent token bound to node-a, for node-b",
            "token-of-agent-on-a",
            "node-b",
            AuthOutcome.FORBIDDEN),
        Arguments.of(
            "another service account", "token-of-other-sa", "node-a", AuthOutcome.FORBIDDEN),
        Arguments.of(
            "token for another audience",
            "token-wrong-audience",
            "node-a",
            AuthOutcome.UNAUTHENTICATED),
        Arguments.of(
            "review that confirms no audience",
            "token-without-audience",
            "node-a",
            AuthOutcome.UNAUTHENTICATED),
        Arguments.of(
            "token the API server does not know", "garbage", "node-a", AuthOutcome.UNAUTHENTICATED),
        Arguments.of("no token", null, "node-a", AuthOutcome.UNAUTHENTICATED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void review(String description, String token, String node, AuthOutcome expected)
      throws Exception {
    assertEquals(
        expected,
        auth.authenticate(node, token == null ? null : "Bearer " + token)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS));
  }
}

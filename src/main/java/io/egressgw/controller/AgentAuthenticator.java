package io.egressgw.controller;

import io.egressgw.security.ReviewCache;
import io.egressgw.security.ReviewQueue;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Decides whether a request on {@code /v1/agents/{node}/...} comes from that node's agent.
 *
 * <ul>
 *   <li>{@code node-token} (embedded and lab): {@link NodeTokens}; the controller writes each
 *       node's token to {@code token-dir/<node>.token}, which the lab mounts into that node only.
 *   <li>{@code token-review} (cluster): the agent's projected service-account token (audience
 *       {@code egressgw-agent}) is checked with a TokenReview; the user must be the agent service
 *       account and the token must be bound to a pod on that node (the {@code
 *       authentication.kubernetes.io/node-name} extra, Kubernetes 1.30+). Results are cached.
 * </ul>
 *
 * <p>Under a flood of junk tokens (issue 15): failed reviews are remembered for {@link
 * #NEGATIVE_TTL}, unknown tokens queue at most {@link #REVIEW_QUEUE} deep and are answered {@link
 * AuthOutcome#BUSY} (429) beyond, and a token that was valid before is reviewed again on a lane of
 * its own that junk tokens cannot reach: in the background once its cache entry is half through its
 * TTL, or, should it have expired, while the request waits. So agents' heartbeats keep their timing
 * while the flood lasts.
 */
@ApplicationScoped
public class AgentAuthenticator {
  private static final Logger LOG = Logger.getLogger(AgentAuthenticator.class);
  static final String NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

  @Inject ChannelSettings settings;
  @Inject KubernetesClient client;
  @Inject Clock clock;

  /** Reviews waiting beyond this are refused at once: a flood of junk tokens stays bounded. */
  static final int REVIEW_QUEUE = 256;

  /** Distinct tokens remembered, each for the positive or the negative TTL. */
  static final int CACHED_TOKENS = 10_000;

  /** How long a failed review is remembered: a junk token repeated costs one review. */
  static final Duration NEGATIVE_TTL = Duration.ofSeconds(10);

  /** Tokens that were valid once are remembered this many times their cache TTL (renewal lane). */
  static final int KNOWN_VALID_TTLS = 10;

  private volatile NodeTokens nodeTokens;
  private volatile ReviewCache<Cached> reviews;
  private volatile ReviewCache<Boolean> failedReviews;
  private volatile ReviewCache<Boolean> knownValid;
  private final ReviewQueue reviewers = new ReviewQueue("egw-token-review", 2, REVIEW_QUEUE);

  /** Reviews of tokens that were valid before: junk never queues here. */
  private final ReviewQueue renewals = new ReviewQueue("egw-token-renewal", 2, REVIEW_QUEUE);

  /** Reviews in flight by token hash, shared by the requests that carry the same token. */
  private final ConcurrentHashMap<String, CompletableFuture<Cached>> inFlight =
      new ConcurrentHashMap<>();

  private record Cached(String node, AuthOutcome outcomeForNode) {}

  private ReviewCache<Cached> reviews() {
    if (reviews == null) {
      synchronized (this) {
        if (reviews == null) {
          failedReviews = new ReviewCache<>(clock, NEGATIVE_TTL, CACHED_TOKENS);
          knownValid =
              new ReviewCache<>(
                  clock, settings.auth().cacheTtl().multipliedBy(KNOWN_VALID_TTLS), CACHED_TOKENS);
          reviews = new ReviewCache<>(clock, settings.auth().cacheTtl(), CACHED_TOKENS);
        }
      }
    }
    return reviews;
  }

  public CompletionStage<AuthOutcome> authenticate(String node, String authorization) {
    String token = bearer(authorization);
    if (token == null) {
      return CompletableFuture.completedFuture(AuthOutcome.UNAUTHENTICATED);
    }
    if ("token-review".equals(settings.auth().mode())) {
      return review(node, token);
    }
    return CompletableFuture.completedFuture(tokens().check(node, token));
  }

  /** Writes {@code <node>.token} for the node if missing (node-token mode only). */
  public void issue(String node) {
    if ("token-review".equals(settings.auth().mode())) {
      return;
    }
    Path file = Path.of(settings.auth().tokenDir(), node + ".token");
    if (Files.exists(file)) {
      return;
    }
    try {
      PrivateFiles.write(file, tokens().tokenFor(node));
    } catch (IOException e) {
      LOG.warnf("could not write the token of node %s: %s", node, e.getMessage());
    }
  }

  public NodeTokens tokens() {
    if (nodeTokens == null) {
      synchronized (this) {
        if (nodeTokens == null) {
          nodeTokens = new NodeTokens(secret(Path.of(settings.auth().tokenSecretFile())));
        }
      }
    }
    return nodeTokens;
  }

  private static byte[] secret(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        // A replica that starts at the same time may win: then both use its secret.
        PrivateFiles.create(file, HexFormat.of().formatHex(fresh));
      }
      return HexFormat.of().parseHex(Files.readString(file, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CompletionStage<AuthOutcome> review(String node, String token) {
    String key = sha256(token);
    Optional<Cached> c = reviews().get(key);
    if (c.isPresent()) {
      if (reviews.dueForRefresh(key)) {
        // Reviewed again ahead of expiry, in the background: a live agent never waits for one.
        var unused = shared(key, token, renewals);
      }
      return CompletableFuture.completedFuture(verdict(c.get(), node));
    }
    if (failedReviews.get(key).isPresent()) {
      return CompletableFuture.completedFuture(AuthOutcome.UNAUTHENTICATED);
    }
    ReviewQueue lane = knownValid.get(key).isPresent() ? renewals : reviewers;
    // The queue is full (a flood of unknown tokens): refuse now rather than queue without bound.
    return shared(key, token, lane)
        .<CompletionStage<AuthOutcome>>map(
            f -> f.thenApply(r -> r == null ? AuthOutcome.UNAUTHENTICATED : verdict(r, node)))
        .orElseGet(() -> CompletableFuture.completedFuture(AuthOutcome.BUSY));
  }

  /**
   * The review of {@code token} in flight, or a new one on {@code lane}; empty when the lane is
   * full. Requests with the same token share one review (an agent heartbeats every 100 ms, a review
   * may take longer). Its result is null when the API server could not answer.
   */
  private Optional<CompletableFuture<Cached>> shared(String key, String token, ReviewQueue lane) {
    CompletableFuture<Cached> pending = inFlight.get(key);
    if (pending != null) {
      return Optional.of(pending);
    }
    Optional<CompletableFuture<Cached>> fresh = lane.submit(() -> reviewAndRemember(key, token));
    fresh.ifPresent(
        f -> {
          inFlight.put(key, f);
          var unused = f.whenComplete((r, e) -> inFlight.remove(key, f));
          if (f.isDone()) {
            inFlight.remove(key, f);
          }
        });
    return fresh;
  }

  /** Reviews the token and caches the outcome; null when the API server could not answer. */
  private Cached reviewAndRemember(String key, String token) {
    Cached fresh = tokenReview(token);
    if (fresh == null) {
      // The API server could not answer: not the token's fault, so nothing is remembered.
      return null;
    }
    if (fresh.outcomeForNode() == AuthOutcome.UNAUTHENTICATED) {
      // also ends a cached success: a token revoked since is refused from now on
      reviews.remove(key);
      knownValid.remove(key);
      failedReviews.put(key, Boolean.TRUE);
    } else {
      reviews.put(key, fresh);
      knownValid.put(key, Boolean.TRUE);
    }
    return fresh;
  }

  /** A reviewed token bound to node X is allowed for X only; unbound results stand as they are. */
  private static AuthOutcome verdict(Cached reviewed, String node) {
    if (reviewed.node() == null) {
      return reviewed.outcomeForNode();
    }
    return reviewed.node().equals(node) ? AuthOutcome.ALLOWED : AuthOutcome.FORBIDDEN;
  }

  /** The review's result, or null when the API server could not answer. */
  private Cached tokenReview(String token) {
    TokenReview review =
        new TokenReviewBuilder()
            .withNewSpec()
            .withToken(token)
            .withAudiences(settings.auth().audience())
            .endSpec()
            .build();
    TokenReview result;
    try {
      result = client.authentication().v1().tokenReviews().create(review);
    } catch (RuntimeException e) {
      LOG.warnf("TokenReview failed: %s", e.getMessage());
      return null;
    }
    if (result.getStatus() == null || !Boolean.TRUE.equals(result.getStatus().getAuthenticated())) {
      return new Cached(null, AuthOutcome.UNAUTHENTICATED);
    }
    // Strict audience: we asked for ours, so an answer that does not confirm it (an empty list
    // included, as an authenticator that ignores audiences gives) is not a token meant for us.
    List<String> audiences = result.getStatus().getAudiences();
    if (audiences == null || !audiences.contains(settings.auth().audience())) {
      return new Cached(null, AuthOutcome.UNAUTHENTICATED);
    }
    UserInfo user = result.getStatus().getUser();
    String[] sa = settings.auth().agentServiceAccount().split(":", 2);
    String expected = "system:serviceaccount:" + sa[0] + ":" + (sa.length > 1 ? sa[1] : "");
    if (user == null || !expected.equals(user.getUsername())) {
      return new Cached(null, AuthOutcome.FORBIDDEN);
    }
    List<String> nodes = user.getExtra() == null ? null : user.getExtra().get(NODE_NAME_EXTRA);
    if (nodes == null || nodes.size() != 1) {
      return new Cached(null, AuthOutcome.FORBIDDEN);
    }
    return new Cached(nodes.get(0), AuthOutcome.ALLOWED);
  }

  static String bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

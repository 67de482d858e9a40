package io.egressgw.controller;

import io.egressgw.security.ReviewCache;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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

  private volatile NodeTokens nodeTokens;
  private volatile ReviewCache<Cached> reviews;
  private volatile ReviewCache<Boolean> failedReviews;
  private final ExecutorService reviewers =
      new ThreadPoolExecutor(
          2,
          2,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(REVIEW_QUEUE),
          r -> {
            Thread t = new Thread(r, "egw-token-review");
            t.setDaemon(true);
            return t;
          });

  private record Cached(String node, AuthOutcome outcomeForNode) {}

  private ReviewCache<Cached> reviews() {
    if (reviews == null) {
      synchronized (this) {
        if (reviews == null) {
          failedReviews = new ReviewCache<>(clock, NEGATIVE_TTL, CACHED_TOKENS);
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
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(node + ".token.tmp");
      Files.writeString(tmp, tokens().tokenFor(node));
      PrivateFiles.restrict(tmp);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
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
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, HexFormat.of().formatHex(fresh));
        PrivateFiles.restrict(tmp);
        try {
          Files.move(tmp, file);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          Files.deleteIfExists(tmp);
        }
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
      return CompletableFuture.completedFuture(verdict(c.get(), node));
    }
    if (failedReviews.get(key).isPresent()) {
      return CompletableFuture.completedFuture(AuthOutcome.UNAUTHENTICATED);
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            Cached fresh = tokenReview(token);
            if (fresh == null) {
              // The API server could not answer: not the token's fault, so nothing is remembered.
              return AuthOutcome.UNAUTHENTICATED;
            }
            if (fresh.outcomeForNode() == AuthOutcome.UNAUTHENTICATED) {
              failedReviews.put(key, Boolean.TRUE);
            } else {
              reviews.put(key, fresh);
            }
            return verdict(fresh, node);
          },
          reviewers);
    } catch (RejectedExecutionException full) {
      // The queue is full (a flood of unknown tokens): refuse now rather than queue without bound.
      return CompletableFuture.completedFuture(AuthOutcome.UNAUTHENTICATED);
    }
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

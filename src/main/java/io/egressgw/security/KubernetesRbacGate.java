package io.egressgw.security;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Asks the Kubernetes API who a bearer token belongs to (TokenReview) and whether that user may do
 * what the request does (SubjectAccessReview). Blocking: call it off the event loop, on {@link
 * #queue()}.
 *
 * <p>Both answers are cached for {@link #CACHE_TTL} (bounded, least recently used evicted; tokens
 * by their SHA-256), failed token reviews too (a negative cache), so that a client's requests cost
 * two API calls per 10 s instead of two each, and a junk token repeated costs one review (issue
 * 15). A revoked token or binding is honoured within that time, as the API server's own webhook
 * caches do.
 */
@ApplicationScoped
public class KubernetesRbacGate {
  /** How long a review's answer is reused. */
  static final Duration CACHE_TTL = Duration.ofSeconds(10);

  /** Distinct tokens (or user and call pairs) remembered. */
  static final int CACHED = 10_000;

  /** Reviews waiting beyond this are refused at once (429). */
  static final int QUEUE = 256;

  private final KubernetesClient client;
  private final ReviewCache<UserInfo> users;
  private final ReviewCache<Boolean> invalidTokens;
  private final ReviewCache<Verdict> verdicts;
  private final ReviewQueue queue = new ReviewQueue("egw-rest-review", 2, QUEUE);

  @Inject
  public KubernetesRbacGate(KubernetesClient client, Clock clock) {
    this.client = client;
    this.users = new ReviewCache<>(clock, CACHE_TTL, CACHED);
    this.invalidTokens = new ReviewCache<>(clock, CACHE_TTL, CACHED);
    this.verdicts = new ReviewCache<>(clock, CACHE_TTL, CACHED);
  }

  /** Where the blocking reviews run: a full queue refuses at once. */
  public ReviewQueue queue() {
    return queue;
  }

  /**
   * Whether {@link #authenticate} and, for {@code call}, {@link #authorize} would answer from the
   * caches alone, i.e. without a Kubernetes API call: then the caller need not queue.
   */
  public boolean answersFromCache(String token, Optional<KubernetesRequestAttributes> call) {
    String key = hash(token);
    if (invalidTokens.get(key).isPresent()) {
      return true;
    }
    Optional<UserInfo> user = users.get(key);
    return user.isPresent()
        && (call.isEmpty() || verdicts.get(verdictKey(user.get(), call.get())).isPresent());
  }

  /** The authenticated user, or empty when the token is not valid. */
  public Optional<UserInfo> authenticate(String token) {
    String key = hash(token);
    if (invalidTokens.get(key).isPresent()) {
      return Optional.empty();
    }
    Optional<UserInfo> cached = users.get(key);
    if (cached.isPresent()) {
      return cached;
    }
    Optional<UserInfo> reviewed = review(token);
    if (reviewed.isPresent()) {
      users.put(key, reviewed.get());
    } else {
      invalidTokens.put(key, Boolean.TRUE);
    }
    return reviewed;
  }

  private Optional<UserInfo> review(String token) {
    TokenReview review =
        client
            .authentication()
            .v1()
            .tokenReviews()
            .create(new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build());
    if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
      return Optional.empty();
    }
    return Optional.ofNullable(review.getStatus().getUser());
  }

  /** Whether the user may perform the call, with the authorizer's reason when it may not. */
  public Verdict authorize(UserInfo user, KubernetesRequestAttributes call) {
    String key = verdictKey(user, call);
    Optional<Verdict> cached = verdicts.get(key);
    if (cached.isPresent()) {
      return cached.get();
    }
    Verdict verdict = accessReview(user, call);
    verdicts.put(key, verdict);
    return verdict;
  }

  private static String verdictKey(UserInfo user, KubernetesRequestAttributes call) {
    return String.join(
        "\n",
        String.valueOf(user.getUsername()),
        String.valueOf(user.getUid()),
        String.valueOf(user.getGroups()),
        String.valueOf(user.getExtra()),
        call.verb(),
        String.valueOf(call.group()),
        call.resource(),
        String.valueOf(call.namespace()),
        String.valueOf(call.name()));
  }

  private static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Verdict accessReview(UserInfo user, KubernetesRequestAttributes call) {
    SubjectAccessReview review =
        client
            .authorization()
            .v1()
            .subjectAccessReview()
            .create(
                new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(user.getUsername())
                    .withUid(user.getUid())
                    .withGroups(user.getGroups())
                    .withExtra(user.getExtra())
                    .withNewResourceAttributes()
                    .withVerb(call.verb())
                    .withGroup(call.group())
                    .withResource(call.resource())
                    .withNamespace(call.namespace())
                    .withName(call.name())
                    .endResourceAttributes()
                    .endSpec()
                    .build());
    boolean allowed =
        review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAllowed());
    String reason = review.getStatus() == null ? null : review.getStatus().getReason();
    return new Verdict(allowed, reason);
  }

  /** An authorisation answer. */
  public record Verdict(boolean allowed, String reason) {}
}

package io.egressgw.security;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * Asks the Kubernetes API who a bearer token belongs to (TokenReview) and whether that user may do
 * what the request does (SubjectAccessReview). Blocking: call it off the event loop.
 */
@ApplicationScoped
public class KubernetesRbacGate {
  private final KubernetesClient client;

  @Inject
  public KubernetesRbacGate(KubernetesClient client) {
    this.client = client;
  }

  /** The authenticated user, or empty when the token is not valid. */
  public Optional<UserInfo> authenticate(String token) {
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

package io.egressgw.security;

import io.egressgw.kube.KubernetesSettings;
import io.egressgw.security.KubernetesRbacGate.Verdict;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Guards the public resource API (/v1/namespaces/.../gateway-groups, /v1/egress-policies): 401 without
 * a valid bearer token, 403 when the cluster's RBAC would not let the same user do the same thing
 * with kubectl. Tokens are never logged.
 */
public class RestAuthorizationFilter {
  private static final Logger LOG = Logger.getLogger(RestAuthorizationFilter.class);

  @Inject RestAuthSettings config;
  @Inject KubernetesRbacGate gate;
  @Inject KubernetesSettings kubernetes;

  @ServerRequestFilter
  public Uni<Response> authorize(ContainerRequestContext request) {
    if (!enforced()) {
      return Uni.createFrom().nullItem();
    }
    Optional<KubernetesRequestAttributes> call =
        KubernetesRequestAttributes.of(request.getMethod(), request.getUriInfo().getPath());
    if (call.isEmpty()) {
      return Uni.createFrom().nullItem();
    }
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
      return Uni.createFrom().item(unauthorized("A Kubernetes bearer token is required (Authorization: Bearer <token>)."));
    }
    String token = header.substring(7).trim();
    return Uni.createFrom()
        .item(() -> check(token, call.get()))
        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
  }

  boolean enforced() {
    return switch (config.mode()) {
      case KUBERNETES -> true;
      case NONE -> false;
      case AUTO -> !kubernetes.embedded();
    };
  }

  private Response check(String token, KubernetesRequestAttributes call) {
    Optional<UserInfo> user;
    try {
      user = gate.authenticate(token);
    } catch (RuntimeException e) {
      LOG.warnf("TokenReview failed: %s", e.getMessage());
      return problem(Response.Status.SERVICE_UNAVAILABLE, "Authentication unavailable",
          "The Kubernetes API could not review the token; try again.");
    }
    if (user.isEmpty()) {
      return unauthorized("The bearer token is not valid for this cluster.");
    }
    Verdict verdict;
    try {
      verdict = gate.authorize(user.get(), call);
    } catch (RuntimeException e) {
      LOG.warnf("SubjectAccessReview failed: %s", e.getMessage());
      return problem(Response.Status.SERVICE_UNAVAILABLE, "Authorization unavailable",
          "The Kubernetes API could not review the request; try again.");
    }
    if (!verdict.allowed()) {
      return problem(Response.Status.FORBIDDEN, "Forbidden",
          "User \"" + user.get().getUsername() + "\" cannot " + call.describe()
              + (verdict.reason() == null || verdict.reason().isBlank() ? "" : ": " + verdict.reason()));
    }
    return null;
  }

  private static Response unauthorized(String detail) {
    return Response.fromResponse(problem(Response.Status.UNAUTHORIZED, "Unauthorized", detail))
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .build();
  }

  private static Response problem(Response.Status status, String title, String detail) {
    return Response.status(status)
        .type("application/problem+json")
        .entity(Map.of("type", "about:blank", "title", title, "status", status.getStatusCode(), "detail", detail))
        .build();
  }
}

package io.egressgw.security;

import io.egressgw.kube.KubernetesSettings;
import io.egressgw.rest.OwnAuthentication;
import io.egressgw.rest.Problem;
import io.egressgw.rest.RbacResource;
import io.egressgw.security.KubernetesRbacGate.Verdict;
import io.egressgw.validation.KubernetesNames;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Guards everything under {@code /v1/}, deny by default, on the matched route (it runs after JAX-RS
 * matching and reads the route's decoded path parameters, never the raw path again):
 *
 * <ol>
 *   <li>Every path parameter must be a Kubernetes name ({@code namespace}: DNS-1123 label, the
 *       others: DNS-1123 subdomain), else 404: checked in every auth mode, before any Kubernetes
 *       API call, so that no odd name ever reaches the API server.
 *   <li>A resource marked {@link OwnAuthentication} (the agent channel) authenticates its callers
 *       itself.
 *   <li>When authorisation is on, every other call needs a valid bearer token (401 otherwise); a
 *       resource marked {@link RbacResource} is authorised with a SubjectAccessReview for the verb
 *       and resource kubectl would need (403 when refused); any other {@code /v1/} route is refused
 *       (403): nothing is public by accident.
 * </ol>
 *
 * Reviews are cached ({@link KubernetesRbacGate}); a call the caches cannot decide queues for a
 * review, and is refused 429 with Retry-After when the queue is full. Every refusal is
 * problem+json. Tokens are never logged.
 */
public class RestAuthorizationFilter {
  private static final Logger LOG = Logger.getLogger(RestAuthorizationFilter.class);

  @Inject RestAuthSettings config;
  @Inject KubernetesRbacGate gate;
  @Inject KubernetesSettings kubernetes;

  @ServerRequestFilter
  public Uni<Response> authorize(
      ContainerRequestContext request, ResourceInfo matched, UriInfo uri) {
    String path = uri.getPath();
    if (!path.startsWith("/v1/")) {
      return Uni.createFrom().nullItem();
    }
    MultivaluedMap<String, String> parameters = uri.getPathParameters(true);
    Optional<Response> badName = invalidPathParameter(parameters, path);
    if (badName.isPresent()) {
      return Uni.createFrom().item(badName.get());
    }
    Class<?> resource = matched == null ? null : matched.getResourceClass();
    if (resource != null && resource.isAnnotationPresent(OwnAuthentication.class)) {
      return Uni.createFrom().nullItem();
    }
    if (!enforced()) {
      return Uni.createFrom().nullItem();
    }
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    if (header == null
        || !header.regionMatches(true, 0, "Bearer ", 0, 7)
        || header.substring(7).isBlank()) {
      return Uni.createFrom()
          .item(
              unauthorized(
                  path, "A Kubernetes bearer token is required (Authorization: Bearer <token>)."));
    }
    String token = header.substring(7).trim();
    RbacResource rbac = resource == null ? null : resource.getAnnotation(RbacResource.class);
    Optional<KubernetesRequestAttributes> call =
        rbac == null
            ? Optional.empty()
            : KubernetesRequestAttributes.of(
                request.getMethod(),
                rbac.group(),
                rbac.resource(),
                parameters.getFirst("namespace"),
                parameters.getFirst("name"));
    if (gate.answersFromCache(token, call)) {
      return Uni.createFrom().item(check(token, call, path));
    }
    Optional<java.util.concurrent.CompletableFuture<Response>> queued =
        gate.queue().submit(() -> check(token, call, path));
    return queued.isPresent()
        ? Uni.createFrom().completionStage(queued.get())
        : Uni.createFrom().item(busy(path));
  }

  /** 429: the review queue is full (a flood of unknown tokens); cached callers are not affected. */
  static Response busy(String path) {
    return Response.fromResponse(
            problem(
                429,
                "too-many-requests",
                "Too Many Requests",
                "Too many requests are waiting for a token review; retry after "
                    + ReviewQueue.RETRY_AFTER_SECONDS
                    + " s.",
                path))
        .header("Retry-After", String.valueOf(ReviewQueue.RETRY_AFTER_SECONDS))
        .build();
  }

  boolean enforced() {
    return !LoopbackBinding.authorisationOff(config.mode(), kubernetes.embedded());
  }

  /** 404 when a path parameter cannot be a Kubernetes name: no such object can exist. */
  static Optional<Response> invalidPathParameter(
      MultivaluedMap<String, String> parameters, String path) {
    for (Map.Entry<String, List<String>> p : parameters.entrySet()) {
      for (String value : p.getValue()) {
        Optional<String> problem =
            "namespace".equals(p.getKey())
                ? KubernetesNames.labelProblem(value)
                : KubernetesNames.subdomainProblem(value);
        if (problem.isPresent()) {
          return Optional.of(
              problem(
                  404,
                  "not-found",
                  "Not Found",
                  "no object can be named like this: " + p.getKey() + " " + problem.get(),
                  path,
                  List.of(new Problem.FieldError(p.getKey(), problem.get()))));
        }
      }
    }
    return Optional.empty();
  }

  private Response check(String token, Optional<KubernetesRequestAttributes> call, String path) {
    Optional<UserInfo> user;
    try {
      user = gate.authenticate(token);
    } catch (RuntimeException e) {
      LOG.warnf("TokenReview failed: %s", e.getMessage());
      return problem(
          503,
          "authentication-unavailable",
          "Authentication unavailable",
          "The Kubernetes API could not review the token; try again.",
          path);
    }
    if (user.isEmpty()) {
      return unauthorized(path, "The bearer token is not valid for this cluster.");
    }
    if (call.isEmpty()) {
      return problem(
          403,
          "forbidden",
          "Forbidden",
          "User \""
              + user.get().getUsername()
              + "\" cannot call "
              + path
              + ": it is no operation of a resource the cluster's RBAC governs",
          path);
    }
    Verdict verdict;
    try {
      verdict = gate.authorize(user.get(), call.get());
    } catch (RuntimeException e) {
      LOG.warnf("SubjectAccessReview failed: %s", e.getMessage());
      return problem(
          503,
          "authorization-unavailable",
          "Authorization unavailable",
          "The Kubernetes API could not review the request; try again.",
          path);
    }
    if (!verdict.allowed()) {
      return problem(
          403,
          "forbidden",
          "Forbidden",
          "User \""
              + user.get().getUsername()
              + "\" cannot "
              + call.get().describe()
              + (verdict.reason() == null || verdict.reason().isBlank()
                  ? ""
                  : ": " + verdict.reason()),
          path);
    }
    return null;
  }

  private static Response unauthorized(String path, String detail) {
    return Response.fromResponse(
            problem(
                401,
                "unauthorized",
                "Unauthorized",
                detail,
                path,
                List.of(new Problem.FieldError(HttpHeaders.AUTHORIZATION, detail))))
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .build();
  }

  static Response problem(int status, String type, String title, String detail, String path) {
    return problem(status, type, title, detail, path, List.of());
  }

  /**
   * The API's one error shape ({@link Problem}, {@code errors} included), so that a client parses a
   * refusal here like any other error.
   */
  static Response problem(
      int status,
      String type,
      String title,
      String detail,
      String path,
      List<Problem.FieldError> errors) {
    return Response.status(status)
        .type(Problem.MEDIA_TYPE)
        .entity(new Problem(Problem.type(type), title, status, detail, path, errors))
        .build();
  }
}

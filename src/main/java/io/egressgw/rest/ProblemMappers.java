package io.egressgw.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every refusal into application/problem+json: our own {@link ProblemException}s, JAX-RS
 * errors (unknown route 404, wrong method 405, wrong media type 415), errors of the Kubernetes API
 * that the REST layer did not anticipate (502), and any other failure (500).
 */
public class ProblemMappers {
  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  @ServerExceptionMapper
  public Response problem(ProblemException e, UriInfo uri) {
    return render(e.toProblem(uri.getPath()));
  }

  /**
   * JAX-RS errors without a body (unknown route, wrong method or media type) become problems; a
   * WebApplicationException that already carries a response body is left as it is.
   */
  @ServerExceptionMapper
  public Response webApplication(WebApplicationException e, UriInfo uri) {
    if (e.getResponse().hasEntity()) {
      return e.getResponse();
    }
    int status = e.getResponse().getStatus();
    String title =
        Response.Status.fromStatusCode(status) == null
            ? "HTTP " + status
            : Response.Status.fromStatusCode(status).getReasonPhrase();
    String type =
        switch (status) {
          case 404 -> "not-found";
          case 405 -> "method-not-allowed";
          case 406 -> "not-acceptable";
          case 415 -> "unsupported-media-type";
          default -> "http-" + status;
        };
    // Our own words, not the framework's ("did not match the value in @Consumes" means nothing to a
    // client); 405 keeps the Allow header the framework computed.
    String detail =
        switch (status) {
          case 405 ->
              "this path does not answer that method"
                  + (allowed(e, uri.getPath()).isEmpty()
                      ? ""
                      : "; it answers " + String.join(", ", allowed(e, uri.getPath())));
          case 406 -> "the API answers application/json (errors: application/problem+json)";
          case 415 -> "send the body as application/json or application/yaml";
          default -> e.getMessage() == null ? title : e.getMessage();
        };
    Response problem =
        render(new Problem(Problem.type(type), title, status, detail, uri.getPath(), List.of()));
    if (status == 405 && !allowed(e, uri.getPath()).isEmpty()) {
      return Response.fromResponse(problem)
          .header("Allow", String.join(", ", allowed(e, uri.getPath())))
          .build();
    }
    return problem;
  }

  private static final Pattern ALL_NAMESPACES = Pattern.compile("^/v1/gateway-groups/?$");
  private static final Pattern COLLECTION =
      Pattern.compile("^/v1/(namespaces/[^/]+/gateway-groups|egress-policies)/?$");
  private static final Pattern ITEM =
      Pattern.compile("^/v1/(namespaces/[^/]+/gateway-groups|egress-policies)/[^/]+$");

  /**
   * The methods the path answers: the framework's Allow when it has one (RESTEasy Reactive's 405
   * carries none), else the API's two shapes of path (openapi.yaml): collections answer GET and
   * POST, objects GET, PUT, PATCH and DELETE, the gateway groups of every namespace GET only.
   */
  private static List<String> allowed(WebApplicationException e, String path) {
    List<String> framework = e.getResponse().getAllowedMethods().stream().sorted().toList();
    if (!framework.isEmpty() || path == null) {
      return framework;
    }
    if (ALL_NAMESPACES.matcher(path).matches()) {
      return List.of("GET");
    }
    if (COLLECTION.matcher(path).matches()) {
      return List.of("GET", "POST");
    }
    if (ITEM.matcher(path).matches()) {
      return List.of("DELETE", "GET", "PATCH", "PUT");
    }
    return List.of();
  }

  @ServerExceptionMapper
  public Response kubernetes(KubernetesClientException e, UriInfo uri) {
    int code = e.getCode();
    LOG.debugf(e, "Kubernetes API refused a request for %s", uri.getPath());
    if (code == 404 || code == 409 || code == 422 || code == 403) {
      String message =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : e.getMessage();
      // A real API server's schema or CEL validation names the fields in status.details.causes.
      List<Problem.FieldError> causes =
          e.getStatus() == null || e.getStatus().getDetails() == null
              ? List.of()
              : e.getStatus().getDetails().getCauses().stream()
                  .map(
                      c ->
                          new Problem.FieldError(
                              c.getField() == null ? "body" : c.getField(), c.getMessage()))
                  .toList();
      return render(
          new Problem(
              Problem.type("kubernetes-" + code),
              "Kubernetes API answered " + code,
              code,
              message,
              uri.getPath(),
              causes));
    }
    LOG.warnf(e, "Kubernetes API error for %s", uri.getPath());
    return render(
        new Problem(
            Problem.type("kubernetes-unavailable"),
            "Kubernetes API error",
            502,
            "the Kubernetes API could not serve the request: " + e.getMessage(),
            uri.getPath(),
            List.of()));
  }

  /**
   * Anything no other mapper knows is a fault of this service: 500 in the same shape as every other
   * error, so that a client parses it like the rest. The cause is logged, never sent (it may name
   * internals).
   */
  @ServerExceptionMapper
  public Response unexpected(Exception e, UriInfo uri) {
    LOG.errorf(e, "unexpected failure serving %s", uri.getPath());
    return render(
        new Problem(
            Problem.type("internal-error"),
            "Internal Server Error",
            500,
            "egressgw failed to serve this request; the controller's log has the cause",
            uri.getPath(),
            List.of()));
  }

  /** Bodies are parsed by {@link StrictJson}; this only catches JSON errors from elsewhere. */
  @ServerExceptionMapper
  public Response json(JsonProcessingException e, UriInfo uri) {
    return problem(StrictJson.toProblem(e), uri);
  }

  static Response render(Problem problem) {
    return Response.status(problem.status())
        .type(Problem.MEDIA_TYPE)
        .entity(StrictJson.write(problem))
        .build();
  }
}

package io.egressgw.security;

import io.egressgw.rest.Problem;
import io.egressgw.rest.StrictJson;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Refuses a request whose raw path could mean another path once decoded or normalised: an encoded
 * '/' or '\' ({@code %2F}, {@code %5C}), a '\', a ';' (matrix parameters), an empty segment ({@code
 * //}) or a dot segment ({@code .}, {@code ..}, also percent-encoded). No Kubernetes name contains
 * any of them, so such a path names nothing and is answered 404 problem+json before any route,
 * filter, body read or Kubernetes API call sees it; the authorisation decision is never made on a
 * path that a later component could read differently (issue 15: {@code x%2F..%2Fdefault}).
 *
 * <p>A query parameter that does not percent-decode ({@code ?continue=%%%}) is answered 400
 * problem+json naming it, as every other bad parameter is, and any other request target that is not
 * a valid URI 400 problem+json too. Quarkus refuses both before any route with an empty 400 unless
 * the system property {@code vertx.disableURIValidation} is true, which every launcher of the
 * application sets (the image, {@code ./egw}, the lab, the test JVMs) so that this guard answers
 * instead.
 *
 * <p>It also answers OPTIONS (and TRACE) under {@code /v1/} with 405: JAX-RS would answer OPTIONS
 * itself, past every request filter. The one exception is a CORS preflight (OPTIONS with {@code
 * Origin} and {@code Access-Control-Request-Method}) while CORS is on ({@code
 * quarkus.http.cors.enabled}): Quarkus' CORS filter answers it (200 for an allowed origin, 403
 * otherwise) without reaching JAX-RS.
 */
@Singleton
public class RequestLineGuard {
  /** Runs before every other route filter (RestGate has 100). */
  static final int PRIORITY = 1000;

  /** Whether Quarkus' CORS filter is on, so that preflights are its to answer. */
  private boolean cors;

  void register(@Observes Filters filters) {
    cors =
        ConfigProvider.getConfig()
            .getOptionalValue("quarkus.http.cors.enabled", Boolean.class)
            .orElse(false);
    filters.register(this::check, PRIORITY);
  }

  private static boolean preflight(RoutingContext rc) {
    return HttpMethod.OPTIONS.equals(rc.request().method())
        && rc.request().getHeader("Origin") != null
        && rc.request().getHeader("Access-Control-Request-Method") != null;
  }

  private void check(RoutingContext rc) {
    String raw = rc.request().path();
    Optional<String> problem = problem(raw);
    if (problem.isPresent()) {
      end(
          rc,
          new Problem(
              Problem.type("not-found"),
              "Not Found",
              404,
              "the request path " + problem.get() + "; no resource has such a name",
              null,
              List.of()));
      return;
    }
    Optional<String> undecodable = undecodableParameter(rc.request().query());
    if (undecodable.isPresent()) {
      end(
          rc,
          new Problem(
              Problem.type("bad-parameter"),
              "Bad parameter",
              400,
              "the query parameter " + undecodable.get() + " is not percent-decodable",
              null,
              List.of(
                  new Problem.FieldError(
                      undecodable.get(), "not percent-decodable (a '%' must start %XX)"))));
      return;
    }
    if (!validUri(rc.request().uri())) {
      end(
          rc,
          new Problem(
              Problem.type("bad-request"),
              "Bad Request",
              400,
              "the request target is not a valid URI (RFC 3986)",
              null,
              List.of(new Problem.FieldError("uri", "not a valid URI"))));
      return;
    }
    HttpMethod method = rc.request().method();
    boolean unoffered = HttpMethod.OPTIONS.equals(method) || HttpMethod.TRACE.equals(method);
    if (raw.startsWith("/v1/") && unoffered && !(cors && preflight(rc))) {
      end(
          rc,
          new Problem(
              Problem.type("method-not-allowed"),
              "Method Not Allowed",
              405,
              method.name() + " is not offered by this API",
              raw,
              List.of()));
      return;
    }
    rc.next();
  }

  private static void end(RoutingContext rc, Problem problem) {
    rc.response()
        .setStatusCode(problem.status())
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .end(StrictJson.write(problem));
  }

  /**
   * The name of the first query parameter whose name or value does not percent-decode as UTF-8, or
   * empty when every one does (or there is no query). A name that itself does not decode is given
   * as sent.
   */
  static Optional<String> undecodableParameter(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return Optional.empty();
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      Optional<String> decodedName = decoded(name);
      if (decodedName.isEmpty()) {
        return Optional.of(name);
      }
      if (decoded(value).isEmpty()) {
        return decodedName;
      }
    }
    return Optional.empty();
  }

  static boolean validUri(String uri) {
    try {
      new URI(uri);
      return true;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static Optional<String> decoded(String raw) {
    try {
      return Optional.of(URLDecoder.decode(raw, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Why the raw (undecoded) path is refused, or empty when it is a plain path. */
  static Optional<String> problem(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      return Optional.of("is not absolute");
    }
    String lower = raw.toLowerCase(Locale.ROOT);
    if (lower.contains("%2f") || lower.contains("%5c") || raw.indexOf('\\') >= 0) {
      return Optional.of("contains an encoded or backslash separator");
    }
    if (raw.indexOf(';') >= 0 || lower.contains("%3b")) {
      return Optional.of("contains ';'");
    }
    if (lower.contains("%00") || lower.contains("%25")) {
      return Optional.of("contains an encoded NUL or '%'");
    }
    String[] segments = raw.substring(1).split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i].toLowerCase(Locale.ROOT).replace("%2e", ".");
      boolean last = i == segments.length - 1;
      if (segment.isEmpty() && !last) {
        return Optional.of("contains an empty segment (//)");
      }
      if (segment.equals(".") || segment.equals("..")) {
        return Optional.of("contains a dot segment");
      }
    }
    return Optional.empty();
  }
}

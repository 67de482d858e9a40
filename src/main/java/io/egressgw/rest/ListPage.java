package io.egressgw.rest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a list, cut from the informer cache in key order. The continue token is the opaque
 * (base64url) key of the last item returned; the next page starts after it, so objects created or
 * deleted between pages are seen or skipped according to their key, never twice.
 */
public record ListPage<T>(List<T> items, String continueToken, long remainingItemCount) {

  /**
   * The limit query parameter as a number (null: absent or empty). Taken as a string, not bound as
   * an Integer, because JAX-RS answers a parameter that does not convert with 404.
   */
  static Integer limit(String parameter, int maxPageSize) {
    if (parameter == null || parameter.isEmpty()) {
      return null;
    }
    try {
      return Integer.valueOf(parameter.trim());
    } catch (NumberFormatException e) {
      throw ProblemException.of(
          400,
          "bad-parameter",
          "Bad parameter",
          "limit must be a whole number between 1 and " + maxPageSize,
          "limit",
          "not a whole number: '" + parameter + "'");
    }
  }

  public static <T> ListPage<T> of(
      List<T> all, Function<T, String> key, Integer limit, String continueToken, int maxPageSize) {
    if (limit != null && (limit < 1 || limit > maxPageSize)) {
      throw ProblemException.of(
          400,
          "bad-parameter",
          "Bad parameter",
          "limit must be between 1 and " + maxPageSize,
          "limit",
          "must be between 1 and " + maxPageSize + ", got " + limit);
    }
    String after = null;
    if (continueToken != null && !continueToken.isEmpty()) {
      try {
        after = new String(Base64.getUrlDecoder().decode(continueToken), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw ProblemException.of(
            400,
            "bad-parameter",
            "Bad parameter",
            "the continue token is not one this API issued",
            "continue",
            "not a continue token from a previous page");
      }
    }
    int size = limit == null ? maxPageSize : limit;
    String start = after;
    List<T> sorted =
        all.stream()
            .filter(item -> start == null || key.apply(item).compareTo(start) > 0)
            .sorted(Comparator.comparing(key))
            .toList();
    if (sorted.size() <= size) {
      return new ListPage<>(sorted, null, 0);
    }
    List<T> page = sorted.subList(0, size);
    String next =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(key.apply(page.get(page.size() - 1)).getBytes(StandardCharsets.UTF_8));
    return new ListPage<>(page, next, sorted.size() - size);
  }
}

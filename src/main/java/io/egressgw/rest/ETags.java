package io.egressgw.rest;

/**
 * Entity tags from Kubernetes resourceVersions: the ETag is the resourceVersion as a strong tag
 * ("12345"). If-Match uses strong comparison (RFC 9110): a weak tag never matches; "*" matches any
 * existing object.
 */
public final class ETags {
  private ETags() {}

  public static String of(String resourceVersion) {
    return "\"" + resourceVersion + "\"";
  }

  /** Whether an If-Match header value matches the current resourceVersion. */
  public static boolean matches(String ifMatch, String resourceVersion) {
    for (String raw : ifMatch.split(",")) {
      String tag = raw.trim();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        continue;
      }
      if (tag.length() >= 2
          && tag.startsWith("\"")
          && tag.endsWith("\"")
          && tag.substring(1, tag.length() - 1).equals(resourceVersion)) {
        return true;
      }
    }
    return false;
  }

  /** The resourceVersion an If-Match names when it is a single strong tag, else null. */
  public static String resourceVersion(String ifMatch) {
    String tag = ifMatch.trim();
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"") && !tag.contains(",")) {
      return tag.substring(1, tag.length() - 1);
    }
    return null;
  }
}

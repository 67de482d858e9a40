package io.egressgw.validation;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Kubernetes naming rules the API server applies, so that a bad name is refused before it
 * reaches the server, with a message that names the rule: object names are DNS-1123 subdomains,
 * namespaces DNS-1123 labels, label keys an optional DNS subdomain prefix and a name, label values
 * at most 63 characters.
 */
public final class KubernetesNames {
  private KubernetesNames() {}

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  /** Why the text is not a valid object name (DNS-1123 subdomain), or empty. */
  public static Optional<String> subdomainProblem(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.of("is required");
    }
    if (text.length() > 253) {
      return Optional.of("'" + shorten(text) + "' is longer than 253 characters");
    }
    if (!DNS1123_SUBDOMAIN.matcher(text).matches()) {
      return Optional.of(
          "'"
              + shorten(text)
              + "' is not a valid Kubernetes name: lower case letters, digits, '-' and"
              + " '.', starting and ending with a letter or digit (RFC 1123 subdomain)");
    }
    return Optional.empty();
  }

  /** Why the text is not a valid namespace name (DNS-1123 label), or empty. */
  public static Optional<String> labelProblem(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.of("is required");
    }
    if (text.length() > 63) {
      return Optional.of("'" + shorten(text) + "' is longer than 63 characters");
    }
    if (!DNS1123_LABEL.matcher(text).matches()) {
      return Optional.of(
          "'"
              + shorten(text)
              + "' is not a valid Kubernetes namespace name: lower case letters, digits"
              + " and '-', starting and ending with a letter or digit (RFC 1123 label)");
    }
    return Optional.empty();
  }

  /** Why the text is not a valid label key, or empty. */
  public static Optional<String> labelKeyProblem(String key) {
    if (key == null || key.isEmpty()) {
      return Optional.of("a label key must not be empty");
    }
    String name = key;
    int slash = key.indexOf('/');
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty()
          || prefix.length() > 253
          || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        return Optional.of(
            "label key '" + shorten(key) + "' has an invalid prefix: must be a DNS subdomain");
      }
    }
    if (name.isEmpty() || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
      return Optional.of(
          "label key '"
              + shorten(key)
              + "' is invalid: at most 63 letters, digits, '-', '_' or '.', starting and ending"
              + " with a letter or digit, optionally prefixed by a DNS subdomain and '/'");
    }
    return Optional.empty();
  }

  /** Why the text is not a valid label value, or empty. */
  public static Optional<String> labelValueProblem(String value) {
    if (value == null) {
      return Optional.of("a label value must not be null");
    }
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.length() > 63 || !QUALIFIED_NAME.matcher(value).matches()) {
      return Optional.of(
          "label value '"
              + shorten(value)
              + "' is invalid: at most 63 letters, digits, '-', '_' or '.',"
              + " starting and ending with a letter or digit");
    }
    return Optional.empty();
  }

  private static String shorten(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}

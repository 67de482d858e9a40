package io.egressgw.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code labelSelector} query parameter of list calls, in Kubernetes' syntax: comma-separated
 * requirements, all of which must hold: {@code key=value} (also {@code ==}), {@code key!=value},
 * {@code key in (a,b)}, {@code key notin (a,b)}, {@code key} (exists) and {@code !key} (does not
 * exist). As in Kubernetes, {@code !=} and {@code notin} also match objects without the key. A
 * selector that does not parse is a 400 naming {@code labelSelector}.
 */
record LabelSelectorQuery(List<Requirement> requirements)
    implements Predicate<Map<String, String>> {
  static final String PARAMETER = "labelSelector";

  private static final String NAME = "[A-Za-z0-9](?:[-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?";
  private static final String PREFIX =
      "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*";
  private static final String KEY = "(?:" + PREFIX + "/)?" + NAME;
  private static final String VALUE = "(?:" + NAME + ")?";
  private static final Pattern EQUALITY =
      Pattern.compile("^(" + KEY + ")\\s*(==|=|!=)\\s*(" + VALUE + ")$");
  private static final Pattern SET = Pattern.compile("^(" + KEY + ")\\s+(in|notin)\\s*\\((.*)\\)$");
  private static final Pattern EXISTS = Pattern.compile("^(" + KEY + ")$");
  private static final Pattern NOT_EXISTS = Pattern.compile("^!\\s*(" + KEY + ")$");
  private static final Pattern ONE_VALUE = Pattern.compile("^" + VALUE + "$");

  /** One requirement on one label. */
  record Requirement(String key, Operator operator, Set<String> values) {
    boolean test(Map<String, String> labels) {
      String value = labels == null ? null : labels.get(key);
      return switch (operator) {
        case IN -> value != null && values.contains(value);
        case NOT_IN -> value == null || !values.contains(value);
        case EXISTS -> value != null;
        case DOES_NOT_EXIST -> value == null;
      };
    }
  }

  /** What a requirement asks of its label ({@code =} is IN with one value, {@code !=} NOT_IN). */
  enum Operator {
    IN,
    NOT_IN,
    EXISTS,
    DOES_NOT_EXIST
  }

  /** Matches every object: no parameter, or an empty one. */
  static final LabelSelectorQuery EVERYTHING = new LabelSelectorQuery(List.of());

  @Override
  public boolean test(Map<String, String> labels) {
    return requirements.stream().allMatch(r -> r.test(labels));
  }

  static LabelSelectorQuery parse(String selector) {
    if (selector == null || selector.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> out = new ArrayList<>();
    for (String part : splitOutsideParentheses(selector)) {
      out.add(requirement(part.trim(), selector));
    }
    return new LabelSelectorQuery(List.copyOf(out));
  }

  private static Requirement requirement(String text, String selector) {
    Matcher m = EQUALITY.matcher(text);
    if (m.matches()) {
      Operator op = m.group(2).equals("!=") ? Operator.NOT_IN : Operator.IN;
      return new Requirement(m.group(1), op, Set.of(m.group(3)));
    }
    m = SET.matcher(text);
    if (m.matches()) {
      Set<String> values = new java.util.TreeSet<>();
      for (String v : m.group(3).split(",", -1)) {
        String value = v.trim();
        if (!ONE_VALUE.matcher(value).matches() || m.group(3).isBlank()) {
          throw invalid(selector, "'" + text + "': a set needs one or more valid label values");
        }
        values.add(value);
      }
      return new Requirement(
          m.group(1), m.group(2).equals("in") ? Operator.IN : Operator.NOT_IN, Set.copyOf(values));
    }
    m = EXISTS.matcher(text);
    if (m.matches()) {
      return new Requirement(m.group(1), Operator.EXISTS, Set.of());
    }
    m = NOT_EXISTS.matcher(text);
    if (m.matches()) {
      return new Requirement(m.group(1), Operator.DOES_NOT_EXIST, Set.of());
    }
    throw invalid(
        selector,
        "'"
            + text
            + "' is not a requirement: use key=value, key!=value, key in (a,b), key notin (a,b),"
            + " key or !key");
  }

  private static List<String> splitOutsideParentheses(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(selector.substring(start));
    return parts;
  }

  private static ProblemException invalid(String selector, String why) {
    return ProblemException.of(
        400,
        "bad-parameter",
        "Bad parameter",
        "labelSelector '" + selector + "' is invalid",
        PARAMETER,
        why);
  }
}

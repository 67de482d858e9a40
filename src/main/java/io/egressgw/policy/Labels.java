package io.egressgw.policy;

import java.util.Map;

/** matchLabels semantics: every selector label present with the same value. */
final class Labels {
  private Labels() {}

  static boolean containsAll(Map<String, String> labels, Map<String, String> selector) {
    if (selector.isEmpty()) {
      return true;
    }
    if (labels == null) {
      return false;
    }
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}

package io.egressgw.policy;

import java.util.Map;

/** A namespace and its labels (matched by namespaceSelector). */
public record NamespaceInput(String name, Map<String, String> labels) {
  public NamespaceInput {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}

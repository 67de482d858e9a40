package io.egressgw.policy;

import java.util.Map;

/**
 * A pod as the compiler sees it. The adapter passes only pods that send with their own address (not
 * hostNetwork) and are not finished.
 *
 * @param namespace namespace
 * @param name name
 * @param labels pod labels
 * @param ip pod IPv4 address, null while not assigned (such a pod cannot send and is skipped)
 * @param node node the pod runs on, null while unscheduled
 */
public record PodInput(
    String namespace, String name, Map<String, String> labels, String ip, String node) {
  public PodInput {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** {@code namespace/name}. */
  public String key() {
    return namespace + "/" + name;
  }
}

package io.egressgw.security;

import io.egressgw.kube.KubernetesSettings;
import io.egressgw.role.ProcessRole;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses to start the controller inside a cluster (KUBERNETES_SERVICE_HOST set) with the REST API
 * open: with {@code egressgw.rest.auth.mode=none}, or on the embedded API emulator (where {@code
 * auto} turns authorisation off). Both are meant for one machine; in a pod they would let anyone
 * who reaches the Service change every node's egress (issue 15).
 */
@Singleton
public class InClusterSafety {

  void onStart(
      @Observes @Priority(5) StartupEvent event,
      ProcessRole role,
      RestAuthSettings auth,
      Instance<KubernetesSettings> kubernetes) {
    if (!role.isController()) {
      return;
    }
    problem(System.getenv(), auth.mode(), kubernetes.get().embedded())
        .ifPresent(
            p -> {
              throw new IllegalStateException(p);
            });
  }

  /** Why this combination must not start, or empty. */
  static Optional<String> problem(
      Map<String, String> env, RestAuthSettings.Mode mode, boolean embedded) {
    String host = env.get("KUBERNETES_SERVICE_HOST");
    if (host == null || host.isBlank()) {
      return Optional.empty();
    }
    if (mode == RestAuthSettings.Mode.NONE) {
      return Optional.of(
          "refusing to start: egressgw.rest.auth.mode=none inside a cluster"
              + " (KUBERNETES_SERVICE_HOST is set) would let anyone who reaches the REST API change"
              + " egress; use auto or kubernetes");
    }
    if (embedded) {
      return Optional.of(
          "refusing to start: the embedded Kubernetes API emulator inside a cluster"
              + " (KUBERNETES_SERVICE_HOST is set) serves the REST API without authorisation and"
              + " ignores the cluster; set egressgw.kubernetes=cluster (or auto)");
    }
    return Optional.empty();
  }
}

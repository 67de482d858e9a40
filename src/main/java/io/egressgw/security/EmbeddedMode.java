package io.egressgw.security;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Whether this process talks to the embedded Kubernetes API emulator rather than a real cluster:
 * egressgw.kubernetes=embedded, or auto with no kubeconfig and not in a pod.
 */
@ApplicationScoped
public class EmbeddedMode {
  @ConfigProperty(name = "egressgw.kubernetes", defaultValue = "auto")
  String kubernetes;

  public boolean active() {
    return switch (kubernetes) {
      case "embedded" -> true;
      case "cluster" -> false;
      default -> System.getenv("KUBERNETES_SERVICE_HOST") == null && !kubeconfigPresent();
    };
  }

  private static boolean kubeconfigPresent() {
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      return true;
    }
    return Files.exists(Path.of(System.getProperty("user.home"), ".kube", "config"));
  }
}

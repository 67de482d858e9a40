package io.egressgw.kube;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where the Kubernetes API comes from ({@code egressgw.kubernetes}).
 *
 * <ul>
 *   <li>{@code cluster}: a real API server, configured the usual way (kubeconfig, in-cluster
 *       service account, or {@code quarkus.kubernetes-client.*}, which is also how
 *       {@code @WithKubernetesTestServer} plugs its mock in).
 *   <li>{@code embedded}: an in-process Kubernetes API emulator on 127.0.0.1 (the fabric8
 *       KubernetesMockServer in CRUD mode) with our CRDs installed. Nothing survives a restart.
 *   <li>{@code auto} (default): {@code cluster} when an API server is configured or reachable the
 *       usual way, {@code embedded} otherwise.
 * </ul>
 */
public enum KubernetesMode {
  AUTO,
  EMBEDDED,
  CLUSTER;

  public static KubernetesMode parse(String text) {
    return valueOf(text.trim().toUpperCase(Locale.ROOT));
  }

  /**
   * Resolves {@code auto} against what the process can see; {@code embedded} and {@code cluster}
   * stay as they are.
   *
   * @param env environment variables
   * @param sysProps system properties (fabric8 reads {@code kubernetes.master} from here; the
   *     Quarkus test resource sets it)
   * @param apiServerUrlConfigured whether {@code quarkus.kubernetes-client.api-server-url} is set
   * @param fileExists file probe, injectable for tests
   */
  public KubernetesMode resolve(
      Map<String, String> env,
      Map<String, String> sysProps,
      boolean apiServerUrlConfigured,
      Predicate<Path> fileExists) {
    if (this != AUTO) {
      return this;
    }
    if (apiServerUrlConfigured
        || notBlank(sysProps.get("kubernetes.master"))
        || notBlank(env.get("KUBERNETES_MASTER"))) {
      return CLUSTER;
    }
    String kubeconfig = env.get("KUBECONFIG");
    if (notBlank(kubeconfig)) {
      for (String file : kubeconfig.split(java.io.File.pathSeparator)) {
        if (!file.isBlank() && fileExists.test(Path.of(file))) {
          return CLUSTER;
        }
      }
    } else {
      String home = sysProps.getOrDefault("user.home", env.getOrDefault("HOME", ""));
      if (!home.isBlank() && fileExists.test(Path.of(home, ".kube", "config"))) {
        return CLUSTER;
      }
    }
    if (notBlank(env.get("KUBERNETES_SERVICE_HOST"))
        && fileExists.test(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"))) {
      return CLUSTER;
    }
    return EMBEDDED;
  }

  /** Resolves against this process's environment and files. */
  public KubernetesMode resolveHere(boolean apiServerUrlConfigured) {
    Map<String, String> props = new java.util.HashMap<>();
    System.getProperties().forEach((k, v) -> props.put(String.valueOf(k), String.valueOf(v)));
    return resolve(System.getenv(), props, apiServerUrlConfigured, Files::isRegularFile);
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}

package io.egressgw.kube;

import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The resolved {@code egressgw.kubernetes} mode, decided once per process. */
@Singleton
public class KubernetesSettings {
  private static final Logger LOG = Logger.getLogger(KubernetesSettings.class);

  private final KubernetesMode mode;

  public KubernetesSettings(
      @ConfigProperty(name = "egressgw.kubernetes", defaultValue = "auto") String configured,
      @ConfigProperty(name = "quarkus.kubernetes-client.api-server-url")
          Optional<String> apiServerUrl) {
    KubernetesMode requested = KubernetesMode.parse(configured);
    this.mode = requested.resolveHere(apiServerUrl.filter(s -> !s.isBlank()).isPresent());
    LOG.infof(
        "egressgw.kubernetes=%s -> %s",
        requested.name().toLowerCase(Locale.ROOT), mode.name().toLowerCase(Locale.ROOT));
  }

  public KubernetesMode mode() {
    return mode;
  }

  public boolean embedded() {
    return mode == KubernetesMode.EMBEDDED;
  }
}

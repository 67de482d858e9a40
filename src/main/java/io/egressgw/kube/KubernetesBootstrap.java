package io.egressgw.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * At startup: in embedded mode, install the CRDs into the emulator; in the controller role, start
 * the informer caches so that the first REST read is served from a synced cache.
 */
@Singleton
public class KubernetesBootstrap {
  private static final Logger LOG = Logger.getLogger(KubernetesBootstrap.class);

  void onStart(
      @Observes @Priority(10) StartupEvent event,
      KubernetesSettings settings,
      KubernetesClient client,
      CrdInstaller crds,
      ResourceCache cache,
      @ConfigProperty(name = "egressgw.role", defaultValue = "controller") String role) {
    if (settings.embedded()) {
      crds.installMissing();
      LOG.infof("Kubernetes API (embedded emulator): %s", client.getMasterUrl());
    } else {
      LOG.infof("Kubernetes API (cluster): %s", client.getMasterUrl());
    }
    if ("controller".equals(role)) {
      cache.start();
    }
  }
}

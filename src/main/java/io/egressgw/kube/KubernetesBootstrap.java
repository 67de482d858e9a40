package io.egressgw.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * At startup, in the controller role: in embedded mode, install the CRDs into the emulator; then
 * start the informer caches so that the first REST read is served from a synced cache. In the agent
 * role nothing here runs (beans are looked up lazily, so not even the client is created): the agent
 * talks to the controller, not to the Kubernetes API.
 */
@Singleton
public class KubernetesBootstrap {
  private static final Logger LOG = Logger.getLogger(KubernetesBootstrap.class);

  void onStart(
      @Observes @Priority(10) StartupEvent event,
      @ConfigProperty(name = "egressgw.role", defaultValue = "controller") String role,
      Instance<KubernetesSettings> settings,
      Instance<KubernetesClient> client,
      Instance<CrdInstaller> crds,
      Instance<ResourceCache> cache) {
    if (!"controller".equals(role)) {
      return;
    }
    if (settings.get().embedded()) {
      crds.get().installMissing();
      LOG.infof("Kubernetes API (embedded emulator): %s", client.get().getMasterUrl());
    } else {
      LOG.infof("Kubernetes API (cluster): %s", client.get().getMasterUrl());
    }
    cache.get().start();
  }
}

package io.egressgw.kube;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;

/**
 * Points the one KubernetesClient of the application (produced by quarkus-kubernetes-client, so
 * every package injects the same bean) at the embedded API emulator when the mode is embedded. In
 * cluster mode it changes nothing, so a kubeconfig, the in-cluster service account or a test
 * resource such as {@code @WithKubernetesTestServer} configures the client as usual.
 */
@Singleton
public class EmbeddedKubernetesConfigCustomizer implements KubernetesConfigCustomizer {
  private final KubernetesSettings settings;
  private final KubernetesApiEmulator emulator;

  public EmbeddedKubernetesConfigCustomizer(
      KubernetesSettings settings, KubernetesApiEmulator emulator) {
    this.settings = settings;
    this.emulator = emulator;
  }

  @Override
  public void customize(Config config) {
    if (!settings.embedded()) {
      return;
    }
    config.setMasterUrl(emulator.start());
    config.setNamespace("default");
    config.setTrustCerts(true);
    config.setHttp2Disable(true);
    // Credentials read from a kubeconfig belong to another API server: never send them here.
    config.setOauthToken(null);
    config.setOauthTokenProvider(null);
    config.setUsername(null);
    config.setPassword(null);
    config.setAuthProvider(null);
    config.setClientCertData(null);
    config.setClientCertFile(null);
    config.setClientKeyData(null);
    config.setClientKeyFile(null);
    config.setCaCertData(null);
    config.setCaCertFile(null);
    config.setImpersonateUsername(null);
  }
}

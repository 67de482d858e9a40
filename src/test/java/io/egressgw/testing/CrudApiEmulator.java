package io.egressgw.testing;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * The Kubernetes API emulator (fabric8 mock server in CRUD mode) for plain JUnit tests of code that
 * runs outside Quarkus, such as the controller pod's init step, with our webhook configuration
 * (k8s/webhook.yaml) already applied.
 */
public final class CrudApiEmulator implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public CrudApiEmulator() {
    this(new KubernetesCrudDispatcher());
  }

  /** With a dispatcher of the test's own (a CRUD dispatcher that injects a fault). */
  public CrudApiEmulator(KubernetesCrudDispatcher dispatcher) {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    try {
      client
          .resource(
              Serialization.unmarshal(
                  Files.readString(Path.of("k8s/webhook.yaml")),
                  ValidatingWebhookConfiguration.class))
          .create();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}

package io.egressgw.kube;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The embedded Kubernetes API emulator: the fabric8 KubernetesMockServer in CRUD mode, listening on
 * 127.0.0.1 only. It stores objects in memory, serves list and watch (so informers work) and knows
 * nothing of admission, schema validation, garbage collection or controllers. It is the default
 * when no cluster is configured, so that the service can be tried with nothing but a JDK.
 */
@Singleton
public class KubernetesApiEmulator {
  private static final Logger LOG = Logger.getLogger(KubernetesApiEmulator.class);

  private final int port;
  private KubernetesMockServer server;
  private String url;

  public KubernetesApiEmulator(
      @ConfigProperty(name = "egressgw.kubernetes-emulator.port", defaultValue = "0") int port) {
    this.port = port;
  }

  /** Starts the emulator once; later calls answer the same URL. */
  public synchronized String start() {
    if (server != null) {
      return url;
    }
    KubernetesMockServer mock =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()),
            false);
    try {
      mock.init(InetAddress.getLoopbackAddress(), port);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "could not start the Kubernetes API emulator on 127.0.0.1:" + port, e);
    }
    server = mock;
    url = "http://127.0.0.1:" + mock.getPort();
    LOG.infof(
        "Kubernetes API emulator (fabric8 KubernetesMockServer, CRUD mode, in memory) listening on"
            + " %s; try: curl %s/apis/networking.gke.io/v1/egressnatpolicies",
        url, url);
    return url;
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /** The emulator's base URL, or null when it is not running. */
  public synchronized String url() {
    return url;
  }

  @PreDestroy
  synchronized void stop() {
    if (server != null) {
      server.destroy();
      server = null;
      LOG.info("Kubernetes API emulator stopped");
    }
  }
}

package io.egressgw.bootstrap;

import io.egressgw.testing.CrudApiEmulator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a controller pod has before its container starts (k8s/controller.yaml), for a
 * {@code @QuarkusTest}: a Kubernetes API emulator (CRUD, with our webhook configuration) in which
 * the init container ({@link ControllerInit}) stored the TLS Secret, the signing Secret and the
 * agents' trust ConfigMap, and the files it wrote under {@link #DIR}; the controller then serves
 * HTTPS from those files on the API port and on the agent channel's port, as the manifest
 * configures it (reload period 1 h, channel port of its own).
 *
 * <p>The init step ran {@link #DAYS_AGO} days ago (TLS peers check validity against the real time,
 * so the test starts in the past and moves forward to now): the config key {@code
 * test.movable-clock.origin} says when, for the controller's test clock.
 */
public class InitContainerTestResource implements QuarkusTestResourceLifecycleManager {
  public static final Path DIR = Path.of("target/egressgw-test/init-container");
  public static final Path CERT = DIR.resolve("tls/tls.crt");
  public static final Path KEY = DIR.resolve("tls/tls.key");

  /** The controller's namespace (POD_NAMESPACE is not set in tests). */
  public static final String NS = "egressgw-system";

  /** How long before the real now the init step ran. */
  public static final Duration DAYS_AGO = Duration.ofDays(61);

  private CrudApiEmulator emulator;

  @Override
  public Map<String, String> start() {
    emulator = new CrudApiEmulator();
    Instant initAt = Instant.now().minus(DAYS_AGO);
    try {
      deleteRecursively(DIR);
      ControllerInit.run(emulator.client(), NS, DIR, Clock.fixed(initAt, ZoneOffset.UTC));
    } catch (Exception e) {
      throw new IllegalStateException("the init step failed", e);
    }
    Map<String, String> config = new HashMap<>();
    config.put("egressgw.kubernetes", "cluster");
    config.put(
        "quarkus.kubernetes-client.api-server-url", emulator.client().getMasterUrl().toString());
    config.put("quarkus.kubernetes-client.trust-certs", "true");
    config.put("quarkus.http.ssl.certificate.files", CERT.toString());
    config.put("quarkus.http.ssl.certificate.key-files", KEY.toString());
    // As the manifest: Quarkus registers its listener's reloader only with a reload period.
    config.put("quarkus.http.ssl.certificate.reload-period", "1h");
    config.put("quarkus.http.test-ssl-port", "0");
    config.put("egressgw.controller.channel.port", "0");
    config.put("test.movable-clock.origin", initAt.toString());
    return config;
  }

  @Override
  public void stop() {
    if (emulator != null) {
      emulator.close();
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(InitContainerTestResource::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.egressgw.controller;

import io.egressgw.role.ProcessRole;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * In a cluster, copies the program-signing Secret ({@code
 * egressgw.controller.channel.signing-key-secret}) to the files {@link ProgramSigner} signs with,
 * whenever the Secret changed, so that a rotation step ({@code ProgramKeyRotation switch}) reaches
 * every replica within {@code egressgw.controller.channel.key-sync-interval}, without a restart.
 * The init step writes the files once at start into an emptyDir: the pod cannot mount the Secret
 * itself, since it is the init step that creates it.
 */
@ApplicationScoped
public class ProgramKeySync {
  private static final Logger LOG = Logger.getLogger(ProgramKeySync.class);

  static final String KEY = "controller-signing.key";
  static final String PUBLISHED = "controller-signing.pub";

  @Inject KubernetesClient client;
  @Inject ChannelSettings settings;
  @Inject ProcessRole role;

  @ConfigProperty(name = "egressgw.controller.enabled", defaultValue = "true")
  boolean enabled;

  @Scheduled(
      every = "${egressgw.controller.channel.key-sync-interval:30s}",
      delayed = "5s",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void tick() {
    if (!role.isController() || !enabled || settings.signingKeySecret().isEmpty()) {
      return;
    }
    try {
      sync();
    } catch (Exception e) {
      LOG.warnf(e, "program signing key sync failed; retrying in %s", settings.keySyncInterval());
    }
  }

  /**
   * Writes the Secret's key and published set to the files when they differ.
   *
   * @return whether a file was rewritten
   */
  public synchronized boolean sync() throws IOException {
    Optional<String> name = settings.signingKeySecret();
    if (name.isEmpty()) {
      return false;
    }
    String namespace =
        Optional.ofNullable(System.getenv("POD_NAMESPACE")).orElse("egressgw-system");
    Secret secret = client.secrets().inNamespace(namespace).withName(name.get()).get();
    Map<String, String> data = secret == null ? null : secret.getData();
    if (data == null || data.get(KEY) == null || data.get(PUBLISHED) == null) {
      LOG.debugf("no program signing Secret %s/%s to copy", namespace, name.get());
      return false;
    }
    // The published set first: the signer refuses a key that is not in the set it reads.
    boolean published =
        writeIfChanged(Path.of(settings.publicKeyFile()), unb64(data.get(PUBLISHED)), false);
    boolean key = writeIfChanged(Path.of(settings.signingKeyFile()), unb64(data.get(KEY)), true);
    if (published || key) {
      LOG.infof("program signing key files updated from Secret %s/%s", namespace, name.get());
    }
    return published || key;
  }

  /** Replaces {@code file} in one step (a new file moved over it) when its text differs. */
  private static boolean writeIfChanged(Path file, String text, boolean secret) throws IOException {
    if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
      return false;
    }
    Path dir = Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = dir.resolve(file.getFileName() + ".sync");
    Files.deleteIfExists(tmp);
    if (secret) {
      // Created owner-only: the key is never readable by others, not even for a moment.
      try {
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp);
      }
    }
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return true;
  }

  private static String unb64(String value) {
    return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }
}

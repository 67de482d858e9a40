package io.egressgw.admission;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The controller's TLS material in the cluster: a Secret shared by all replicas holding the CA
 * bundle, the CAs' keys and the serving leaf ({@link CertificateRotation} decides when each is
 * renewed), the files the controller's HTTPS listener reads, and the trust published to clients:
 * the ValidatingWebhookConfiguration's caBundle (the API server) and the agents' trust ConfigMap.
 * Used by the init step ({@code io.egressgw.bootstrap.ControllerInit}) and by the running leader
 * ({@code io.egressgw.controller.ServingCertificateRenewal}).
 */
public final class WebhookCertificates {
  static final String SECRET = "egressgw-webhook-tls";
  static final String SERVICE = "egressgw-controller";
  static final String WEBHOOK_CONFIGURATION = "egressgw";

  /** The agents' trust ConfigMap (CA bundle and program-signing keys), in the same namespace. */
  public static final String AGENT_TRUST = "egressgw-agent-trust";

  private WebhookCertificates() {}

  /**
   * The init step: makes sure the material is stored and current, writes it to {@code dir}
   * (tls.crt, tls.key) and trusts its CA bundle in the webhook configuration. Returns what is
   * stored.
   */
  public static ServingCertificates.Issued ensure(
      KubernetesClient client, String namespace, Path dir, Clock clock) throws Exception {
    ServingCertificates.Issued tls =
        reconcile(client, namespace, clock, CertificateRotation.Lifetimes.DEFAULT);
    writeFiles(tls, dir.resolve("tls.crt"), dir.resolve("tls.key"));
    trustInWebhook(client, tls.caCertificate());
    return tls;
  }

  /**
   * Stores what {@link CertificateRotation#next} says is due at {@code clock}'s time and returns
   * the material stored afterwards. Replaces only at the resourceVersion read: when another replica
   * or init step stored first (409), its material is read back and used, so that all replicas serve
   * the same (issue 15).
   */
  public static ServingCertificates.Issued reconcile(
      KubernetesClient client,
      String namespace,
      Clock clock,
      CertificateRotation.Lifetimes lifetimes) {
    List<String> names = ServingCertificates.serviceDnsNames(SERVICE, namespace);
    for (int attempt = 0; attempt < 5; attempt++) {
      Secret stored = client.secrets().inNamespace(namespace).withName(SECRET).get();
      ServingCertificates.Issued current = read(stored);
      ServingCertificates.Issued next =
          CertificateRotation.next(current, names, clock.instant(), lifetimes);
      if (next.equals(current)) {
        return current;
      }
      if (store(client, namespace, stored, next)) {
        return next;
      }
    }
    return current(client, namespace)
        .orElseThrow(() -> new IllegalStateException("no usable " + SECRET + " after storing"));
  }

  /**
   * Writes the leaf and its key where the HTTPS listener reads them, when they differ from what is
   * there; returns whether anything was written. Each file is written beside its target and moved
   * into place, so that a reload never reads half a file; the key's file is created owner-only.
   */
  public static boolean writeFiles(ServingCertificates.Issued tls, Path certFile, Path keyFile)
      throws IOException {
    if (Files.exists(certFile)
        && Files.exists(keyFile)
        && Files.readString(certFile).equals(tls.certificate())
        && Files.readString(keyFile).equals(tls.privateKey())) {
      return false;
    }
    // The key first: the listener reloads on a changed certificate and must find the new key.
    replace(keyFile, tls.privateKey());
    replace(certFile, tls.certificate());
    return true;
  }

  private static void replace(Path target, String content) throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, content);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Attempts at the caBundle before a conflict is passed on (each re-reads the configuration). */
  static final int WEBHOOK_ATTEMPTS = 5;

  /**
   * Puts {@code caBundle} into every webhook of our ValidatingWebhookConfiguration, if any. Two
   * init steps (or replicas) that start together both write it, and the second one's patch may be
   * refused 409 (fabric8's API emulator refused one in the integration tier; a real API server
   * applies a JSON patch that carries no resourceVersion, but a conflict costs nothing to handle):
   * it reads again and finds its bundle there already (both stored the same material, {@link
   * #store}) or patches again.
   */
  public static void trustInWebhook(KubernetesClient client, String caBundle) {
    String b64 = b64(caBundle);
    var webhook =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName(WEBHOOK_CONFIGURATION);
    for (int attempt = 1; ; attempt++) {
      ValidatingWebhookConfiguration config = webhook.get();
      if (config == null
          || config.getWebhooks().stream()
              .allMatch(w -> b64.equals(w.getClientConfig().getCaBundle()))) {
        return;
      }
      try {
        // a patch (RBAC grants patch, not update); edit() reads the object again for it
        webhook.edit(
            c -> {
              c.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(b64));
              return c;
            });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == WEBHOOK_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /**
   * Puts {@code caBundle} into the agents' trust ConfigMap in {@code namespace} (key ca.crt) when
   * it exists and differs; agents re-read the mounted file and trust both CAs during a rotation.
   */
  public static void trustInAgentConfigMap(
      KubernetesClient client, String namespace, String caBundle) {
    ConfigMap map = client.configMaps().inNamespace(namespace).withName(AGENT_TRUST).get();
    if (map == null
        || map.getData() == null
        || (map.getData() != null && caBundle.equals(map.getData().get("ca.crt")))) {
      return;
    }
    // update at the resourceVersion read (RBAC grants update, not patch): a concurrent writer
    // wins, and the next round writes again if its bundle differs.
    map.getData().put("ca.crt", caBundle);
    try {
      client.configMaps().inNamespace(namespace).resource(map).lockResourceVersion().update();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /**
   * Stores {@code fresh} unless another writer stored material since {@code seen} was read: a
   * missing Secret is created (409: someone else created it first), an existing one is replaced
   * only at the resourceVersion that was read (409: someone else replaced it first). So two
   * concurrent writers never overwrite each other and end up with the same material (issue 15: the
   * second one's update used to overwrite the first one's, and replicas then served different CAs,
   * which the API server refused for half the writes). Returns whether {@code fresh} was stored.
   */
  static boolean store(
      KubernetesClient client, String namespace, Secret seen, ServingCertificates.Issued fresh) {
    Map<String, String> data = new TreeMap<>();
    data.put("ca.crt", b64(fresh.caCertificate()));
    data.put("tls.crt", b64(fresh.certificate()));
    data.put("tls.key", b64(fresh.privateKey()));
    if (fresh.caPrivateKeys() != null && !fresh.caPrivateKeys().isEmpty()) {
      data.put("ca.key", b64(fresh.caPrivateKeys()));
    }
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(SECRET)
            .withNamespace(namespace)
            .withResourceVersion(seen == null ? null : seen.getMetadata().getResourceVersion())
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(data)
            .build();
    try {
      if (seen == null) {
        client.secrets().inNamespace(namespace).resource(secret).create();
      } else {
        client.secrets().inNamespace(namespace).resource(secret).lockResourceVersion().update();
      }
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return false;
    }
  }

  /** The stored material, if complete (whether or not it is due for renewal). */
  public static Optional<ServingCertificates.Issued> current(
      KubernetesClient client, String namespace) {
    return Optional.ofNullable(
        read(client.secrets().inNamespace(namespace).withName(SECRET).get()));
  }

  /** The material of {@code secret}, or null when it is missing or incomplete. */
  static ServingCertificates.Issued read(Secret secret) {
    if (secret == null
        || secret.getData() == null
        || !secret.getData().keySet().containsAll(List.of("ca.crt", "tls.crt", "tls.key"))) {
      return null;
    }
    String cert = unb64(secret.getData().get("tls.crt"));
    String caKeys = secret.getData().get("ca.key");
    return new ServingCertificates.Issued(
        unb64(secret.getData().get("ca.crt")),
        cert,
        unb64(secret.getData().get("tls.key")),
        Pem.certificates(cert).get(0).getNotAfter().toInstant(),
        caKeys == null ? null : unb64(caKeys));
  }

  /** Base64 of ASCII text (Secret data). */
  public static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
  }

  /** ASCII text of Base64 Secret data. */
  public static String unb64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.US_ASCII);
  }
}

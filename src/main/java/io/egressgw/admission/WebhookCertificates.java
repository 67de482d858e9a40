package io.egressgw.admission;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Part of the controller pod's init step ({@code io.egressgw.bootstrap.ControllerInit}): makes sure
 * the webhook's TLS material exists in a Secret shared by all replicas (issuing it when missing or
 * about to expire), writes it where the controller's HTTPS listener reads it, and puts the CA into
 * the ValidatingWebhookConfiguration's caBundle so that the API server trusts the webhook.
 */
public final class WebhookCertificates {
  static final String SECRET = "egressgw-webhook-tls";
  static final String SERVICE = "egressgw-controller";
  static final String WEBHOOK_CONFIGURATION = "egressgw";
  static final Duration VALIDITY = Duration.ofDays(365);
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private WebhookCertificates() {}

  /** Returns the material in use after making sure it is stored, written to dir and trusted. */
  public static ServingCertificates.Issued ensure(
      KubernetesClient client, String namespace, Path dir, Clock clock) throws Exception {
    Secret stored = client.secrets().inNamespace(namespace).withName(SECRET).get();
    ServingCertificates.Issued tls = usable(stored, clock).orElse(null);
    if (tls == null) {
      ServingCertificates.Issued fresh =
          ServingCertificates.issue(
              ServingCertificates.serviceDnsNames(SERVICE, namespace), clock.instant(), VALIDITY);
      store(client, namespace, stored, fresh);
      // Whoever stored first won (this step or a concurrent one): every replica uses what is
      // stored.
      tls =
          current(client, namespace, clock)
              .orElseThrow(
                  () -> new IllegalStateException("no usable " + SECRET + " after storing"));
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("tls.crt"), tls.certificate());
    Path key = dir.resolve("tls.key");
    Files.writeString(key, tls.privateKey());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    String caBundle = b64(tls.caCertificate());
    ValidatingWebhookConfiguration config =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName(WEBHOOK_CONFIGURATION)
            .get();
    if (config != null) {
      client
          .admissionRegistration()
          .v1()
          .validatingWebhookConfigurations()
          .withName(WEBHOOK_CONFIGURATION)
          .edit(
              c -> {
                c.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(caBundle));
                return c;
              });
    }
    return tls;
  }

  /**
   * Stores {@code fresh} unless another init step stored material since {@code seen} was read: a
   * missing Secret is created (409: someone else created it first), one that is about to expire is
   * replaced only at the resourceVersion that was read (409: someone else replaced it first). So
   * two concurrent init steps never overwrite each other and end up with the same material (issue
   * 15: the second one's update used to overwrite the first one's, and replicas then served
   * different CAs, which the API server refused for half the writes).
   */
  static void store(
      KubernetesClient client, String namespace, Secret seen, ServingCertificates.Issued fresh) {
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(SECRET)
            .withNamespace(namespace)
            .withResourceVersion(seen == null ? null : seen.getMetadata().getResourceVersion())
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(
                Map.of(
                    "ca.crt",
                    b64(fresh.caCertificate()),
                    "tls.crt",
                    b64(fresh.certificate()),
                    "tls.key",
                    b64(fresh.privateKey())))
            .build();
    try {
      if (seen == null) {
        client.secrets().inNamespace(namespace).resource(secret).create();
      } else {
        client.secrets().inNamespace(namespace).resource(secret).lockResourceVersion().update();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** The stored material, if present and not about to expire. */
  static Optional<ServingCertificates.Issued> current(
      KubernetesClient client, String namespace, Clock clock) throws Exception {
    return usable(client.secrets().inNamespace(namespace).withName(SECRET).get(), clock);
  }

  /** The material of {@code secret}, if it is complete and not about to expire. */
  static Optional<ServingCertificates.Issued> usable(Secret secret, Clock clock) throws Exception {
    if (secret == null
        || secret.getData() == null
        || !secret
            .getData()
            .keySet()
            .containsAll(java.util.List.of("ca.crt", "tls.crt", "tls.key"))) {
      return Optional.empty();
    }
    String cert = unb64(secret.getData().get("tls.crt"));
    X509Certificate x509 =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new ByteArrayInputStream(cert.getBytes(StandardCharsets.US_ASCII)));
    Instant notAfter = x509.getNotAfter().toInstant();
    if (notAfter.isBefore(clock.instant().plus(RENEW_BEFORE))) {
      return Optional.empty();
    }
    return Optional.of(
        new ServingCertificates.Issued(
            unb64(secret.getData().get("ca.crt")),
            cert,
            unb64(secret.getData().get("tls.key")),
            notAfter));
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

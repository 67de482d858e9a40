package io.egressgw.admission;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * One round of certificate renewal in a running controller (issue 15: certificates were renewed
 * only by the init step, and nothing reloaded them). The leader stores what {@link
 * CertificateRotation} says is due and publishes the CA bundle (webhook caBundle, the agents' trust
 * ConfigMap); every replica then writes the stored leaf to the files its HTTPS listener serves and
 * asks for a reload when they changed. Replicas that do not lead only follow the Secret, so all of
 * them serve the same leaf within one round.
 */
public final class ServingCertificateRenewal {
  /** What one round did. */
  public enum Outcome {
    /** Nothing stored (no Secret yet and not the leader): nothing written. */
    NO_MATERIAL,
    /** The stored material is current and already served. */
    UNCHANGED,
    /** The leader stored new material (a leaf and/or a CA); the files followed. */
    RENEWED,
    /** Another replica's renewal reached this one: new files written and reloaded. */
    RELOADED
  }

  private final KubernetesClient client;
  private final String namespace;
  private final String agentTrustNamespace;
  private final Path certFile;
  private final Path keyFile;
  private final Clock clock;
  private final CertificateRotation.Lifetimes lifetimes;
  private final Runnable reload;

  /**
   * {@code reload} makes the HTTPS listener re-read {@code certFile}/{@code keyFile}; the agents'
   * trust ConfigMap lives in {@code agentTrustNamespace}.
   */
  public ServingCertificateRenewal(
      KubernetesClient client,
      String namespace,
      String agentTrustNamespace,
      Path certFile,
      Path keyFile,
      Clock clock,
      CertificateRotation.Lifetimes lifetimes,
      Runnable reload) {
    this.client = client;
    this.namespace = namespace;
    this.agentTrustNamespace = agentTrustNamespace;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.clock = clock;
    this.lifetimes = lifetimes;
    this.reload = reload;
  }

  /** One round; {@code leader}: whether this replica may write the Secret and the trust. */
  public Outcome run(boolean leader) throws IOException {
    ServingCertificates.Issued before = WebhookCertificates.current(client, namespace).orElse(null);
    ServingCertificates.Issued tls = before;
    if (leader) {
      tls = WebhookCertificates.reconcile(client, namespace, clock, lifetimes);
      // Every round, not only after a renewal: a write refused earlier (409) is retried.
      WebhookCertificates.trustInWebhook(client, tls.caCertificate());
      WebhookCertificates.trustInAgentConfigMap(client, agentTrustNamespace, tls.caCertificate());
    }
    if (tls == null) {
      return Outcome.NO_MATERIAL;
    }
    boolean written = WebhookCertificates.writeFiles(tls, certFile, keyFile);
    if (written) {
      reload.run();
    }
    if (!tls.equals(before)) {
      return Outcome.RENEWED;
    }
    return written ? Outcome.RELOADED : Outcome.UNCHANGED;
  }
}

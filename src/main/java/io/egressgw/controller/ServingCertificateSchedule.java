package io.egressgw.controller;

import io.egressgw.admission.CertificateRotation;
import io.egressgw.admission.ServingCertificateRenewal;
import io.egressgw.role.ProcessRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.http.runtime.options.TlsCertificateReloader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs {@link ServingCertificateRenewal} every {@code egressgw.controller.tls.check-interval} in a
 * controller whose HTTPS listener serves PEM files: the leader renews the leaf (and the CA) in the
 * Secret, every replica rewrites its files and reloads the listener at once (Quarkus' reloader, the
 * same one {@code quarkus.http.ssl.certificate.reload-period} runs), without a restart. Open
 * connections keep their handshake; new ones get the new leaf. Quarkus registers its reloader only
 * when {@code quarkus.http.ssl.certificate.reload-period} is set (the manifests set 1 h).
 */
@ApplicationScoped
public class ServingCertificateSchedule {
  private static final Logger LOG = Logger.getLogger(ServingCertificateSchedule.class);

  @Inject KubernetesClient client;
  @Inject Leadership leadership;
  @Inject Clock clock;
  @Inject ProcessRole role;
  @Inject ServingTlsSettings settings;
  @Inject AgentChannelListener channelListener;

  @ConfigProperty(name = "quarkus.http.ssl.certificate.files")
  Optional<List<Path>> certificateFiles;

  @ConfigProperty(name = "quarkus.http.ssl.certificate.key-files")
  Optional<List<Path>> keyFiles;

  @ConfigProperty(name = "egressgw.controller.enabled", defaultValue = "true")
  boolean enabled;

  /** How long a tick waits for the listeners to use the rewritten files. */
  static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

  private volatile ServingCertificateRenewal renewal;

  @Scheduled(
      every = "${egressgw.controller.tls.check-interval:10m}",
      delayed = "30s",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void tick() {
    ServingCertificateRenewal r = renewal();
    if (r == null) {
      return;
    }
    try {
      ServingCertificateRenewal.Outcome outcome = r.run(leadership.isLeader());
      if (outcome == ServingCertificateRenewal.Outcome.RENEWED
          || outcome == ServingCertificateRenewal.Outcome.RELOADED) {
        LOG.infof("serving certificate: %s, listener reloaded", outcome);
      }
    } catch (Exception e) {
      LOG.warnf(e, "serving certificate renewal failed; retrying in %s", settings.checkInterval());
    }
  }

  /**
   * Both listeners re-read the files; returns once both serve the new leaf, so that a failed reload
   * (unusable files) is logged by {@link #tick} instead of passing unnoticed.
   */
  private void reloadListeners() {
    CompletableFuture<Void> api = TlsCertificateReloader.reload().toCompletableFuture();
    CompletableFuture<Void> channel = channelListener.reload().toCompletableFuture();
    try {
      CompletableFuture.allOf(api, channel).get(RELOAD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the listeners reloaded", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the listeners did not reload the new certificate", e);
    }
  }

  private ServingCertificateRenewal renewal() {
    if (renewal == null
        && role.isController()
        && enabled
        && certificateFiles.filter(l -> l.size() == 1).isPresent()
        && keyFiles.filter(l -> l.size() == 1).isPresent()) {
      String namespace =
          Optional.ofNullable(System.getenv("POD_NAMESPACE")).orElse("egressgw-system");
      renewal =
          new ServingCertificateRenewal(
              client,
              namespace,
              settings.agentTrustNamespace().orElse(namespace),
              certificateFiles.get().get(0),
              keyFiles.get().get(0),
              clock,
              new CertificateRotation.Lifetimes(settings.caValidity(), settings.leafValidity()),
              this::reloadListeners);
    }
    return renewal;
  }
}

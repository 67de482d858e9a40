package io.egressgw.admission;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressgw.testing.CrudApiEmulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller's init step against the Kubernetes API emulator (fabric8 mock server, CRUD mode):
 * it stores the webhook's TLS material once, shares it, trusts it in the webhook configuration, and
 * renews it before it expires.
 */
class WebhookCertificatesAgainstApiEmulatorIT {
  CrudApiEmulator emulator;
  KubernetesClient client;
  @TempDir Path dir;
  final Clock now = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);

  @BeforeEach
  void start() {
    emulator = new CrudApiEmulator();
    client = emulator.client();
  }

  @AfterEach
  void stop() {
    emulator.close();
  }

  @Test
  void issuesStoresWritesAndTrustsTheServingCertificate() throws Exception {
    ServingCertificates.Issued tls =
        WebhookCertificates.ensure(client, "egressgw-system", dir, now);

    X509Certificate ca = x509(tls.caCertificate());
    X509Certificate cert = x509(Files.readString(dir.resolve("tls.crt")));
    cert.verify(ca.getPublicKey());
    assertThat(
            cert.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList())
        .contains("egressgw-controller.egressgw-system.svc");
    assertThat(Files.readString(dir.resolve("tls.key"))).contains("PRIVATE KEY");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("tls.key"))))
        .isEqualTo("rw-------");
    String caBundle =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName("egressgw")
            .get()
            .getWebhooks()
            .get(0)
            .getClientConfig()
            .getCaBundle();
    assertThat(new String(Base64.getDecoder().decode(caBundle), StandardCharsets.US_ASCII))
        .isEqualTo(tls.caCertificate());
  }

  @Test
  void aSecondReplicaUsesTheStoredMaterialAndRenewalHappensBeforeExpiry() throws Exception {
    ServingCertificates.Issued first =
        WebhookCertificates.ensure(client, "egressgw-system", dir, now);
    ServingCertificates.Issued second =
        WebhookCertificates.ensure(client, "egressgw-system", dir, now);
    assertThat(second.certificate()).isEqualTo(first.certificate());

    Clock nearExpiry = Clock.offset(now, Duration.ofDays(340));
    ServingCertificates.Issued renewed =
        WebhookCertificates.ensure(client, "egressgw-system", dir, nearExpiry);
    assertThat(renewed.certificate()).isNotEqualTo(first.certificate());
    assertThat(renewed.notAfter()).isAfter(first.notAfter());
    assertThat(List.of(Files.readString(dir.resolve("tls.crt"))))
        .containsExactly(renewed.certificate());
  }

  private ServingCertificates.Issued issue(Clock clock) {
    return ServingCertificates.issue(
        ServingCertificates.serviceDnsNames("egressgw-controller", "egressgw-system"),
        clock.instant(),
        Duration.ofDays(365));
  }

  private String storedCertificate() {
    return WebhookCertificates.unb64(
        client
            .secrets()
            .inNamespace("egressgw-system")
            .withName("egressgw-webhook-tls")
            .get()
            .getData()
            .get("tls.crt"));
  }

  // Issue 15: two init steps that both found no Secret each issue material; the second one's
  // store must not overwrite the first one's (it used to: create-or-update), so both replicas
  // serve what is stored.
  @Test
  void twoInitStepsThatFoundNothingEndUpWithTheFirstOnesMaterial() throws Exception {
    ServingCertificates.Issued first = issue(now);
    ServingCertificates.Issued second = issue(now);

    WebhookCertificates.store(client, "egressgw-system", null, first);
    WebhookCertificates.store(client, "egressgw-system", null, second);

    assertThat(storedCertificate()).isEqualTo(first.certificate());
    assertThat(WebhookCertificates.current(client, "egressgw-system").orElseThrow().caCertificate())
        .isEqualTo(first.caCertificate());
  }

  // Issue 15: at day 340 two init steps both read the expiring Secret and renew it; the one that
  // replaces it first wins, the other's replace (at the resourceVersion it read) is refused.
  @Test
  void twoInitStepsRenewingAtOnceEndUpWithTheFirstOnesMaterial() throws Exception {
    WebhookCertificates.ensure(client, "egressgw-system", dir, now);
    Clock day340 = Clock.offset(now, Duration.ofDays(340));
    var seen =
        client.secrets().inNamespace("egressgw-system").withName("egressgw-webhook-tls").get();
    ServingCertificates.Issued first = issue(day340);
    ServingCertificates.Issued second = issue(day340);

    WebhookCertificates.store(client, "egressgw-system", seen, first);
    WebhookCertificates.store(client, "egressgw-system", seen, second);

    assertThat(storedCertificate()).isEqualTo(first.certificate());
    assertThat(WebhookCertificates.ensure(client, "egressgw-system", dir, day340).certificate())
        .isEqualTo(first.certificate());
  }

  static X509Certificate x509(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * Another init step's patch of the caBundle lands between this one's read and its patch: this
   * one's patch is refused 409 (as the API server does on a concurrent change), and the step reads
   * again, finds the bundle it wanted, and carries on (it used to fail the init step).
   */
  @Test
  void aConflictOnTheWebhookCaBundleIsReadAgainNotFatal() throws Exception {
    AtomicInteger patches = new AtomicInteger();
    try (CrudApiEmulator racing = new CrudApiEmulator(conflictingWebhookPatches(patches, 1))) {
      WebhookCertificates.trustInWebhook(racing.client(), "-----CA-----");

      assertThat(patches.get()).isEqualTo(1);
      assertThat(webhookCaBundles(racing.client()))
          .containsOnly(Base64.getEncoder().encodeToString("-----CA-----".getBytes(UTF_8)));
    }
  }

  /** A conflict on every patch, without the bundle ever landing: refused after bounded attempts. */
  @Test
  void conflictsWithoutEndAreReportedAfterBoundedAttempts() {
    AtomicInteger patches = new AtomicInteger();
    try (CrudApiEmulator racing =
        new CrudApiEmulator(conflictingWebhookPatches(patches, Integer.MAX_VALUE))) {
      assertThatThrownBy(() -> WebhookCertificates.trustInWebhook(racing.client(), "-----CA-----"))
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));
      assertThat(patches.get()).isEqualTo(WebhookCertificates.WEBHOOK_ATTEMPTS);
    }
  }

  /**
   * The emulator, whose first {@code conflicts} patches of the webhook configuration are answered
   * 409; the first one is applied all the same (the other writer's identical patch that won).
   */
  private static KubernetesCrudDispatcher conflictingWebhookPatches(
      AtomicInteger patches, int conflicts) {
    return new KubernetesCrudDispatcher() {
      @Override
      public MockResponse handlePatch(RecordedRequest request) {
        if (!request.getPath().contains("validatingwebhookconfigurations")
            || patches.incrementAndGet() > conflicts) {
          return super.handlePatch(request);
        }
        if (conflicts == 1) {
          var unused = super.handlePatch(request);
        }
        return new MockResponse()
            .setResponseCode(409)
            .setBody(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    + "\"reason\":\"Conflict\",\"code\":409}");
      }
    };
  }

  private static List<String> webhookCaBundles(KubernetesClient client) {
    return client
        .admissionRegistration()
        .v1()
        .validatingWebhookConfigurations()
        .withName("egressgw")
        .get()
        .getWebhooks()
        .stream()
        .map(w -> w.getClientConfig().getCaBundle())
        .toList();
  }
}

package io.egressgw.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressgw.agent.channel.AgentChannelClient;
import io.egressgw.agent.channel.ControllerEndpoint;
import io.egressgw.controller.SimulatedAgent;
import io.egressgw.testing.CrudApiEmulator;
import io.egressgw.time.MonotonicClock;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SSLOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates that rotate while everything runs (issue 15): the controller's material in the
 * Kubernetes API emulator, renewed by {@link ServingCertificateRenewal} on a clock the test moves;
 * a real HTTPS listener that reloads the files as Quarkus' reloader does (new values through
 * updateSSLOptions); a real agent channel client, connected before the rotation, that reads its CA
 * bundle from the file kubelet would sync from the trust ConfigMap.
 *
 * <p>TLS peers check validity against the real time, so the test clock is anchored in the past and
 * every certificate served is issued no later than "now".
 */
class CertificateRotationAgainstApiEmulatorIT {
  static final String NS = "egressgw-system";
  static final String NAME = "egressgw-controller.egressgw-system.svc";

  CrudApiEmulator emulator;
  KubernetesClient client;
  @TempDir Path dir;
  Vertx vertx;
  HttpServer server;
  final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  final AtomicLong nanos = new AtomicLong();
  Instant finalNow;
  Clock clock;
  AgentChannelClient agent;

  @BeforeEach
  void start() {
    emulator = new CrudApiEmulator();
    client = emulator.client();
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(WebhookCertificates.AGENT_TRUST)
                .withNamespace(NS)
                .endMetadata()
                .withData(Map.of("ca.crt", ""))
                .build())
        .create();
    vertx = Vertx.vertx();
    finalNow = Instant.now().minus(Duration.ofHours(1));
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.stop();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    emulator.close();
  }

  /** The test clock reads {@code finalNow - before} plus whatever {@link #nanos} is set to. */
  private void clockAt(Duration before) {
    clock = new MonotonicClock(finalNow.minus(before), nanos::get);
  }

  private ServingCertificateRenewal replica(String name, CertificateRotation.Lifetimes lifetimes) {
    Path d = dir.resolve(name);
    return new ServingCertificateRenewal(
        client,
        NS,
        NS,
        d.resolve("tls.crt"),
        d.resolve("tls.key"),
        clock,
        lifetimes,
        () -> {
          if (server != null && name.equals("leader")) {
            reloadServer(d);
          }
        });
  }

  /** What Quarkus' TlsCertificateReloader does: the files' new content through updateSSLOptions. */
  private void reloadServer(Path d) {
    try {
      server
          .updateSSLOptions(
              new SSLOptions()
                  .setKeyCertOptions(
                      new PemKeyCertOptions()
                          .setCertValue(Buffer.buffer(Files.readString(d.resolve("tls.crt"))))
                          .setKeyValue(Buffer.buffer(Files.readString(d.resolve("tls.key"))))))
          .toCompletionStage()
          .toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void startServer(Path d) throws Exception {
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setSsl(true)
                    .setKeyCertOptions(
                        new PemKeyCertOptions()
                            .setCertValue(Buffer.buffer(Files.readString(d.resolve("tls.crt"))))
                            .setKeyValue(Buffer.buffer(Files.readString(d.resolve("tls.key"))))))
            .connectionHandler(
                c -> {
                  connections.add(c);
                  c.closeHandler(v -> connections.remove(c));
                })
            .requestHandler(
                req -> {
                  if (req.path().endsWith("/heartbeat")) {
                    req.response().end("{\"programGeneration\":0}");
                  } else {
                    vertx.setTimer(200, id -> req.response().setStatusCode(204).end());
                  }
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
  }

  /** kubelet's sync of the trust ConfigMap into the agent's mounted file. */
  private Path syncAgentTrust() throws Exception {
    Path caFile = dir.resolve("agent-ca.crt");
    Files.writeString(caFile, trustConfigMapBundle());
    return caFile;
  }

  private String trustConfigMapBundle() {
    return client
        .configMaps()
        .inNamespace(NS)
        .withName(WebhookCertificates.AGENT_TRUST)
        .get()
        .getData()
        .get("ca.crt");
  }

  private String webhookBundle() {
    return new String(
        Base64.getDecoder()
            .decode(
                client
                    .admissionRegistration()
                    .v1()
                    .validatingWebhookConfigurations()
                    .withName("egressgw")
                    .get()
                    .getWebhooks()
                    .get(0)
                    .getClientConfig()
                    .getCaBundle()),
        StandardCharsets.US_ASCII);
  }

  private AgentChannelClient startAgent(Path caFile) {
    AgentChannelClient c =
        new AgentChannelClient(
            vertx,
            ControllerEndpoint.parse("https://127.0.0.1:" + server.actualPort())
                .withServerName(NAME),
            "node-a",
            () -> "node-a.token",
            () -> null,
            new SimulatedAgent("node-a", "192.168.1.11", "192.168.1.11/24"),
            Duration.ofMillis(50),
            Duration.ofSeconds(5),
            Clock.systemUTC(),
            caFile.toString(),
            null);
    c.start();
    return c;
  }

  /** The leaf the listener presents to a new connection. */
  private X509Certificate served() throws Exception {
    X509Certificate[] seen = new X509Certificate[1];
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
              seen[0] = chain[0];
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        null);
    try (SSLSocket socket =
        (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", server.actualPort())) {
      socket.startHandshake();
    }
    return seen[0];
  }

  private void heartbeatsContinue() {
    long before = agent.heartbeatsAccepted();
    await().atMost(Duration.ofSeconds(20)).until(() -> agent.heartbeatsAccepted() > before + 3);
    assertThat(agent.lastHeartbeatStatus()).isEqualTo(200);
  }

  private void closeEveryConnection() {
    connections.forEach(HttpConnection::close);
  }

  // The default lifetimes (CA 10 years, leaf 90 days, renewed at day 60): at day 61 the leader
  // stores a new leaf, the listener serves it without a restart, and an agent connected since
  // day 0 keeps heartbeating, also over new connections (same CA).
  @Test
  void atDay61ANewLeafIsServedAndAConnectedAgentKeepsWorking() throws Exception {
    clockAt(Duration.ofDays(61));
    ServingCertificateRenewal leader = replica("leader", CertificateRotation.Lifetimes.DEFAULT);
    ServingCertificateRenewal follower = replica("follower", CertificateRotation.Lifetimes.DEFAULT);
    assertThat(leader.run(true)).isEqualTo(ServingCertificateRenewal.Outcome.RENEWED);
    startServer(dir.resolve("leader"));
    agent = startAgent(syncAgentTrust());
    heartbeatsContinue();
    X509Certificate day0 = served();
    assertThat(leader.run(true)).isEqualTo(ServingCertificateRenewal.Outcome.UNCHANGED);

    nanos.set(Duration.ofDays(61).toNanos());
    ServingCertificateRenewal.Outcome renewed = leader.run(true);

    X509Certificate day61 = served();
    assertThat(renewed).isEqualTo(ServingCertificateRenewal.Outcome.RENEWED);
    assertThat(day61.getSerialNumber()).isNotEqualTo(day0.getSerialNumber());
    assertThat(day61.getNotAfter().toInstant())
        .isAfter(finalNow.plus(Duration.ofDays(89)))
        .isAfter(day0.getNotAfter().toInstant());
    heartbeatsContinue();
    closeEveryConnection();
    heartbeatsContinue();
    assertThat(leader.run(true)).isEqualTo(ServingCertificateRenewal.Outcome.UNCHANGED);
    // A replica that does not lead follows the Secret: the same leaf, reloaded.
    assertThat(follower.run(false)).isEqualTo(ServingCertificateRenewal.Outcome.RELOADED);
    assertThat(Files.readString(dir.resolve("follower/tls.crt")))
        .isEqualTo(Files.readString(dir.resolve("leader/tls.crt")));
  }

  // A CA rotation (lifetimes scaled down: CA 30 days, leaf 3 days): the new CA joins the bundles
  // (webhook and agents) beside the old one; once it has been published a day, the next leaf is
  // signed by it, and the agent, which re-read its bundle, accepts that leaf on a new connection.
  @Test
  void aCaRotationPublishesBothCasAndTheAgentTrustsTheNewCasLeaf() throws Exception {
    CertificateRotation.Lifetimes scaledDown =
        new CertificateRotation.Lifetimes(Duration.ofDays(30), Duration.ofDays(3));
    clockAt(Duration.ofDays(22));
    ServingCertificateRenewal leader = replica("leader", scaledDown);
    leader.run(true); // day 0: CA0 and a leaf
    nanos.set(Duration.ofHours(19 * 24 + 12).toNanos()); // day 19.5: a new leaf, CA0 not due
    assertThat(leader.run(true)).isEqualTo(ServingCertificateRenewal.Outcome.RENEWED);
    String ca0 = trustConfigMapBundle();
    assertThat(Pem.certificates(ca0)).hasSize(1);
    startServer(dir.resolve("leader"));
    agent = startAgent(syncAgentTrust());
    heartbeatsContinue();
    X509Certificate leafOfCa0 = served();

    nanos.set(Duration.ofHours(20 * 24 + 12).toNanos()); // day 20.5: CA0 is two thirds old
    assertThat(leader.run(true)).isEqualTo(ServingCertificateRenewal.Outcome.RENEWED);

    List<X509Certificate> bundle = Pem.certificates(trustConfigMapBundle());
    assertThat(bundle).hasSize(2);
    assertThat(bundle.get(1).getSerialNumber())
        .isEqualTo(Pem.certificates(ca0).get(0).getSerialNumber());
    assertThat(webhookBundle()).isEqualTo(trustConfigMapBundle());
    assertThat(served().getSerialNumber()).isEqualTo(leafOfCa0.getSerialNumber());
    syncAgentTrust();
    assertThat(
            agent.reloadTrust().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
        .isTrue();

    nanos.set(Duration.ofDays(22).toNanos()); // now: the leaf is due, CA1 published 1.5 days
    assertThat(leader.run(true)).isEqualTo(ServingCertificateRenewal.Outcome.RENEWED);

    X509Certificate leafOfCa1 = served();
    leafOfCa1.verify(bundle.get(0).getPublicKey());
    heartbeatsContinue();
    closeEveryConnection();
    heartbeatsContinue();
  }
}

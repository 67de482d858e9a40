package io.egressgw.agent.channel;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.admission.ServingCertificates;
import io.egressgw.controller.SimulatedAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real TLS with the material the controller serves ({@link ServingCertificates}, loaded by Vert.x
 * as Quarkus does): agents connect to the leader-only Service's address but verify the certificate
 * issued for the controller Service's name ({@code egressgw.agent.channel.tls-server-name}).
 * Without the name, the same connection fails verification: the certificate does not name the
 * address.
 */
class ControllerTlsServerNameTest {
  static final String NAME = "egressgw-controller.egw-test.svc";

  private Vertx vertx;
  private HttpServer server;
  private Path caFile;
  private final AtomicInteger heartbeats = new AtomicInteger();

  @BeforeEach
  void controllerWithACertificateForTheServiceName() throws Exception {
    ServingCertificates.Issued tls =
        ServingCertificates.issue(List.of(NAME), Instant.now(), Duration.ofDays(1));
    caFile = Files.createTempFile(Path.of("target"), "ca", ".crt");
    Files.writeString(caFile, tls.caCertificate());
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setSsl(true)
                    .setKeyCertOptions(
                        new PemKeyCertOptions()
                            .setCertValue(Buffer.buffer(tls.certificate()))
                            .setKeyValue(Buffer.buffer(tls.privateKey()))))
            .requestHandler(
                req -> {
                  if (req.path().endsWith("/heartbeat")) {
                    heartbeats.incrementAndGet();
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

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    Files.deleteIfExists(caFile);
  }

  private AgentChannelClient client(ControllerEndpoint endpoint) {
    AgentChannelClient c =
        new AgentChannelClient(
            vertx,
            endpoint,
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

  @Test
  void theAgentVerifiesTheServiceNameWhileConnectingToAnotherAddress() {
    ControllerEndpoint leaderAddress =
        ControllerEndpoint.parse("https://127.0.0.1:" + server.actualPort());

    AgentChannelClient named = client(leaderAddress.withServerName(NAME));

    await().atMost(Duration.ofSeconds(20)).until(() -> named.heartbeatsAccepted() > 2);
    assertEquals(200, named.lastHeartbeatStatus());
    named.stop();
  }

  @Test
  void withoutTheNameTheCertificateDoesNotMatchAndNothingIsSent() throws Exception {
    ControllerEndpoint leaderAddress =
        ControllerEndpoint.parse("https://127.0.0.1:" + server.actualPort());

    AgentChannelClient unnamed = client(leaderAddress);

    await().atMost(Duration.ofSeconds(20)).until(() -> unnamed.lastHeartbeatStatus() == -1);
    Thread.sleep(300);
    assertEquals(0, unnamed.heartbeatsAccepted());
    assertEquals(0, heartbeats.get(), "no request may pass an unverified TLS handshake");
    unnamed.stop();
  }
}

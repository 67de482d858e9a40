package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressgw.admission.Pem;
import io.egressgw.admission.WebhookCertificates;
import io.egressgw.agent.channel.AgentChannel;
import io.egressgw.agent.channel.AgentChannelClient;
import io.egressgw.agent.channel.ControllerEndpoint;
import io.egressgw.bootstrap.InitContainerTestResource;
import io.egressgw.kube.CrdInstaller;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, "rotation with a running agent still connected", in the running application: the init
 * step stored the TLS material 61 days ago ({@link InitContainerTestResource}); the controller
 * serves it from files on the API port and on the agent channel's own port; its clock (a {@link
 * MovableClock}) then moves to day 61 of the 90-day leaf, {@link ServingCertificateSchedule} runs,
 * and real TLS handshakes, validated against the CA bundle the agents were given, see the new leaf
 * on both ports without a restart. A keep-alive connection opened before the rotation keeps its
 * handshake and keeps working; an agent channel client connected before keeps heartbeating, and a
 * new one connects with the new leaf.
 */
@QuarkusTest
@TestProfile(ServingCertificateScheduleAgainstApiEmulatorIT.InitContainerFiles.class)
class ServingCertificateScheduleAgainstApiEmulatorIT {
  /** The name agents dial (the Service), which the leaf must hold. */
  static final String SERVER_NAME = "egressgw-controller.egressgw-system.svc";

  /** The manifest's controller: HTTPS from the init step's files, the channel on its own port. */
  public static class InitContainerFiles extends ApiEmulatorProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(InitContainerTestResource.class));
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
      return Set.of(MovableClock.class);
    }
  }

  @Inject KubernetesClient client;
  @Inject CrdInstaller crds;
  @Inject Vertx vertx;
  @Inject Leadership leadership;
  @Inject AgentAuthenticator auth;
  @Inject AgentChannelListener channelListener;
  @Inject ServingCertificateSchedule schedule;
  @Inject Scheduler scheduler;
  @Inject Clock clock;

  @ConfigProperty(name = "egressgw.controller.channel.public-key-file")
  String publicKey;

  final List<AgentChannelClient> agents = new ArrayList<>();

  @AfterEach
  void stopAgents() {
    agents.forEach(AgentChannelClient::stop);
  }

  @Test
  void atDay61BothPortsServeANewLeafAndConnectedClientsKeepWorking() throws Exception {
    crds.installMissing();
    await().atMost(Duration.ofSeconds(20)).until(leadership::isLeader);
    assertThat(clock).isInstanceOf(MovableClock.class);
    assertThat(scheduler.getScheduledJobs())
        .anySatisfy(
            job ->
                assertThat(job.getMethodDescription())
                    .contains(ServingCertificateSchedule.class.getName()));
    int apiPort = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
    int channelPort = channelListener.port().orElseThrow();
    // kubelet's copy of the trust ConfigMap the init step published: what the agents trust
    String agentBundle = trustConfigMapBundle();
    Path agentCa = InitContainerTestResource.DIR.resolve("agent/ca.crt");
    Files.createDirectories(agentCa.getParent());
    Files.writeString(agentCa, agentBundle);

    BigInteger day0 = storedLeaf().getSerialNumber();
    assertThat(served(apiPort, agentBundle).getSerialNumber()).isEqualTo(day0);
    assertThat(served(channelPort, agentBundle).getSerialNumber()).isEqualTo(day0);
    try (KeepAlive before = new KeepAlive(apiPort, agentBundle)) {
      assertThat(before.get("/v1/egress-policies")).isEqualTo(200);
      AgentChannelClient nodeA = agent("node-a", channelPort, agentCa);
      heartbeatsContinue(nodeA);

      // Day 59: two thirds of the leaf's life have not passed; nothing changes.
      ((MovableClock) clock).advance(Duration.ofDays(59));
      schedule.tick();
      assertThat(storedLeaf().getSerialNumber()).isEqualTo(day0);
      assertThat(served(apiPort, agentBundle).getSerialNumber()).isEqualTo(day0);

      // Day 61: the leader renews the leaf and both listeners reload it.
      ((MovableClock) clock).advance(Duration.ofDays(2));
      schedule.tick();

      X509Certificate renewed = storedLeaf();
      assertThat(renewed.getSerialNumber()).isNotEqualTo(day0);
      assertThat(Files.readString(InitContainerTestResource.CERT))
          .isEqualTo(Pem.blocks(leafPem()).get(0));
      // tick() returns once both listeners use the new files: no waiting here.
      assertThat(served(apiPort, agentBundle).getSerialNumber())
          .as("the API port's leaf")
          .isEqualTo(renewed.getSerialNumber());
      assertThat(served(channelPort, agentBundle).getSerialNumber())
          .as("the agent channel port's leaf")
          .isEqualTo(renewed.getSerialNumber());
      assertThat(trustConfigMapBundle()).isEqualTo(agentBundle);
      // The connection opened on day 0 keeps its handshake and keeps being answered.
      assertThat(before.get("/v1/egress-policies")).isEqualTo(200);
      assertThat(before.peer().getSerialNumber()).isEqualTo(day0);
      heartbeatsContinue(nodeA);
      // An agent that connects now gets the new leaf and trusts it with the same bundle.
      heartbeatsContinue(agent("node-b", channelPort, agentCa));

      // The next round finds the stored leaf served: nothing is written again.
      long modified = Files.getLastModifiedTime(InitContainerTestResource.CERT).toMillis();
      schedule.tick();
      assertThat(Files.getLastModifiedTime(InitContainerTestResource.CERT).toMillis())
          .isEqualTo(modified);
      assertThat(storedLeaf().getSerialNumber()).isEqualTo(renewed.getSerialNumber());
    }
  }

  private String trustConfigMapBundle() {
    return client
        .configMaps()
        .inNamespace(InitContainerTestResource.NS)
        .withName(WebhookCertificates.AGENT_TRUST)
        .get()
        .getData()
        .get("ca.crt");
  }

  private String leafPem() {
    return WebhookCertificates.current(client, InitContainerTestResource.NS)
        .orElseThrow()
        .certificate();
  }

  private X509Certificate storedLeaf() {
    return Pem.certificates(leafPem()).get(0);
  }

  private AgentChannelClient agent(String node, int channelPort, Path caFile) {
    AgentChannelClient c =
        new AgentChannelClient(
            vertx,
            ControllerEndpoint.parse("https://127.0.0.1:" + channelPort)
                .withServerName(SERVER_NAME),
            node,
            () -> auth.tokens().tokenFor(node),
            AgentChannel.publicKeyFile(Path.of(publicKey)),
            new SimulatedAgent(node, "192.168.1.11", "192.168.1.11/24"),
            Duration.ofMillis(100),
            Duration.ofSeconds(5),
            Clock.systemUTC(),
            caFile.toString(),
            null);
    agents.add(c);
    c.start();
    return c;
  }

  private static void heartbeatsContinue(AgentChannelClient agent) {
    long before = agent.heartbeatsAccepted();
    await().atMost(Duration.ofSeconds(20)).until(() -> agent.heartbeatsAccepted() > before + 3);
    assertThat(agent.lastHeartbeatStatus()).isEqualTo(200);
  }

  /** TLS that trusts {@code bundle} only and checks the Service's name, as an agent does. */
  private static SSLSocket connect(int port, String bundle) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int i = 0;
    for (X509Certificate ca : Pem.certificates(bundle)) {
      trust.setCertificateEntry("ca" + i++, ca);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters params = socket.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(SERVER_NAME)));
    params.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(params);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    return socket;
  }

  /** The leaf a new connection to {@code port} is given, validated against {@code bundle}. */
  private static X509Certificate served(int port, String bundle) throws Exception {
    try (SSLSocket socket = connect(port, bundle)) {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** One HTTP/1.1 connection kept open across requests. */
  private static final class KeepAlive implements AutoCloseable {
    private final SSLSocket socket;

    KeepAlive(int port, String bundle) throws Exception {
      socket = connect(port, bundle);
    }

    X509Certificate peer() throws Exception {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    /** The status of a GET on this connection (the body is read and dropped). */
    int get(String path) throws IOException {
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + SERVER_NAME + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      String status = line(in);
      long length = -1;
      boolean chunked = false;
      for (String header = line(in); !header.isEmpty(); header = line(in)) {
        String lower = header.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(header.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          throw new IOException("the server closes this connection: " + status);
        }
      }
      if (chunked) {
        for (long size = Long.parseLong(line(in).trim(), 16); size > 0; ) {
          in.readNBytes((int) size);
          line(in);
          size = Long.parseLong(line(in).trim(), 16);
        }
        line(in);
      } else if (length > 0) {
        in.readNBytes((int) length);
      }
      return Integer.parseInt(status.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("the connection closed");
        }
        if (b != '\r') {
          out.write(b);
        }
      }
      return out.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}

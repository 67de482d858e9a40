package io.egressgw.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.testing.CrudApiEmulator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller pod's init step against the Kubernetes API emulator (fabric8 mock server, CRUD
 * mode): two replicas end up with the same signing key, and what agents trust (public key, CA) is
 * published in a ConfigMap that verifies what the controller signs.
 */
class ControllerInitAgainstApiEmulatorIT {
  CrudApiEmulator emulator;
  KubernetesClient client;
  @TempDir Path replica1;
  @TempDir Path replica2;

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
  void replicasShareOneSigningKeyAndAgentsCanVerifyWithThePublishedOne() throws Exception {
    ControllerInit.run(client, "egressgw-system", replica1, Clock.systemUTC());
    ControllerInit.run(client, "egressgw-system", replica2, Clock.systemUTC());

    String key1 = Files.readString(replica1.resolve("signing/controller-signing.key"));
    assertThat(Files.readString(replica2.resolve("signing/controller-signing.key")))
        .isEqualTo(key1);
    assertThat(Files.readString(replica2.resolve("tls/tls.crt")))
        .isEqualTo(Files.readString(replica1.resolve("tls/tls.crt")));

    ConfigMap trust =
        client.configMaps().inNamespace("egressgw-system").withName("egressgw-agent-trust").get();
    assertThat(trust.getData()).containsKeys("controller-signing.pub", "ca.crt");
    assertThat(trust.getData().toString()).doesNotContain("PRIVATE KEY");
    byte[] payload =
        Serialization.asJson(NodeProgram.empty("worker1", 7)).getBytes(StandardCharsets.UTF_8);
    var signed = ProgramSignatures.sign(payload, ProgramSignatures.parsePrivateKey(key1));
    assertThat(
            ProgramSignatures.verify(
                signed,
                ProgramSignatures.parsePublicKey(trust.getData().get("controller-signing.pub"))))
        .isEqualTo(payload);
  }

  /**
   * The controller runs in its own namespace (Pod Security restricted) and the agents in another:
   * what agents mount must be in theirs, and the key material stays in the controller's.
   */
  @Test
  void theTrustConfigMapIsPublishedInTheAgentsNamespaceAndTheSecretsStayInTheControllers()
      throws Exception {
    ControllerInit.run(client, "egressgw-system", "egressgw-agent", replica1, Clock.systemUTC());

    assertThat(
            client
                .configMaps()
                .inNamespace("egressgw-agent")
                .withName("egressgw-agent-trust")
                .get())
        .isNotNull();
    assertThat(
            client
                .configMaps()
                .inNamespace("egressgw-system")
                .withName("egressgw-agent-trust")
                .get())
        .isNull();
    assertThat(client.secrets().inNamespace("egressgw-system").list().getItems())
        .extracting(s -> s.getMetadata().getName())
        .contains(ControllerInit.SIGNING_SECRET);
    assertThat(client.secrets().inNamespace("egressgw-agent").list().getItems()).isEmpty();
  }

  /**
   * Issue 15: the trust ConfigMap was last-writer-wins. A replica's init step during a CA rotation
   * (the leader keeps old and new CA in ca.crt) replaced the whole map: the old CA and any other
   * key were gone, and agents refused replicas still serving the old leaf. Now it only adds.
   */
  @Test
  void aReplicasInitStepAddsToTheTrustConfigMapAndDropsNothing() throws Exception {
    ControllerInit.run(client, "egressgw-system", replica1, Clock.systemUTC());
    var maps = client.configMaps().inNamespace("egressgw-system");
    ConfigMap trust = maps.withName("egressgw-agent-trust").get();
    String ours = trust.getData().get("ca.crt");
    String rotating =
        io.egressgw.admission.ServingCertificates.issue(
                java.util.List.of("egressgw"),
                java.time.Instant.now(),
                java.time.Duration.ofDays(1))
            .caCertificate();
    trust.getData().put("ca.crt", rotating + ours);
    trust.getData().put("operator-note", "kept");
    maps.resource(trust).update();

    ControllerInit.run(client, "egressgw-system", replica2, Clock.systemUTC());

    ConfigMap after = maps.withName("egressgw-agent-trust").get();
    assertThat(io.egressgw.admission.Pem.blocks(after.getData().get("ca.crt")))
        .containsExactly(rotating, ours);
    assertThat(after.getData()).containsEntry("operator-note", "kept");
    assertThat(after.getData().get("controller-signing.pub"))
        .isEqualTo(trust.getData().get("controller-signing.pub"));
  }

  /** Two init steps at once (two replicas scheduled together): one CA, one key, one map. */
  @Test
  void twoInitStepsAtOnceProduceIdenticalMaterialAndOneTrustConfigMap() throws Exception {
    var start = new java.util.concurrent.CountDownLatch(1);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var first =
          pool.submit(
              () -> {
                start.await();
                ControllerInit.run(client, "egressgw-system", replica1, Clock.systemUTC());
                return null;
              });
      var second =
          pool.submit(
              () -> {
                start.await();
                ControllerInit.run(
                    emulator.client(), "egressgw-system", replica2, Clock.systemUTC());
                return null;
              });
      start.countDown();
      first.get(60, java.util.concurrent.TimeUnit.SECONDS);
      second.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    for (String f : java.util.List.of("tls/tls.crt", "signing/controller-signing.key")) {
      assertThat(Files.readString(replica2.resolve(f)))
          .as(f)
          .isEqualTo(Files.readString(replica1.resolve(f)));
    }
    ConfigMap trust =
        client.configMaps().inNamespace("egressgw-system").withName("egressgw-agent-trust").get();
    assertThat(io.egressgw.admission.Pem.blocks(trust.getData().get("ca.crt"))).hasSize(1);
  }
}

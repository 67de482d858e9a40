package io.egressgw.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressgw.agent.channel.AgentChannel;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.controller.ApiEmulatorProfile;
import io.egressgw.controller.ClusterFixtures;
import io.egressgw.controller.ProgramKeySync;
import io.egressgw.controller.ProgramSigner;
import io.egressgw.controller.SimulatedAgent;
import io.egressgw.kube.CrdInstaller;
import io.egressgw.program.ProgramKeyRing;
import io.egressgw.program.ProgramKeySet;
import io.egressgw.program.ProgramSignatures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the program-signing key switches while the controller runs, without a restart. The init
 * step ({@link ControllerInit}) writes the key files from the Secret; {@link ProgramKeyRotation}
 * steps (add, switch, retire) rewrite the Secret and the agents' trust ConfigMap; {@link
 * ProgramKeySync} copies the Secret to the controller's files, and the signer signs with the key
 * they hold from then on. An agent (the real channel client) that reads the published set from its
 * file, kubelet's copy of the ConfigMap, applies every program throughout, and refuses a program
 * signed by a key that is not in its set.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(ProgramKeySwitchAgainstApiEmulatorIT.KeyFilesFromTheSecret.class)
class ProgramKeySwitchAgainstApiEmulatorIT {
  static final Path DIR = Path.of("target/egressgw-test/key-switch");
  static final Path KEY = DIR.resolve("signing/controller-signing.key");
  static final Path PUBLISHED = DIR.resolve("signing/controller-signing.pub");

  /** The controller's namespace (POD_NAMESPACE is not set in tests). */
  static final String NS = "egressgw-system";

  static final String GROUPS = "kube-system";
  static final Duration FAST = Duration.ofSeconds(30);

  /**
   * The controller signs with the files the init step writes (no key generation), kept in step with
   * the Secret by {@link ProgramKeySync}, which the test runs (the schedule waits an hour).
   */
  public static class KeyFilesFromTheSecret extends ApiEmulatorProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> config = new HashMap<>(super.getConfigOverrides());
      config.put("egressgw.controller.channel.signing-key-file", KEY.toString());
      config.put("egressgw.controller.channel.public-key-file", PUBLISHED.toString());
      config.put("egressgw.controller.channel.generate-keys", "false");
      config.put("egressgw.controller.channel.signing-key-secret", ControllerInit.SIGNING_SECRET);
      config.put("egressgw.controller.channel.key-sync-interval", "1h");
      // A late heartbeat on a loaded machine must not move the floating IPs this test follows.
      config.put("egressgw.controller.liveness.miss-count", "20");
      return config;
    }
  }

  @Inject KubernetesClient client;
  @Inject CrdInstaller crds;
  @Inject Vertx vertx;
  @Inject ProgramSigner signer;
  @Inject ProgramKeySync keySync;

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  @ConfigProperty(name = "egressgw.controller.channel.auth.token-dir")
  String tokenDir;

  /** The agent's mount of the trust ConfigMap. */
  final Path agentTrust = DIR.resolve("agent/controller-signing.pub");

  SimulatedAgent agent;

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.kill();
    }
  }

  /** Replaces a file in one step, with a new file, as kubelet updates a mounted ConfigMap. */
  static void replace(Path file, String text) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".new");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Kubelet's part: the agent's file follows the trust ConfigMap. */
  void kubeletSyncsTheTrustConfigMap() throws IOException {
    ConfigMap trust =
        client.configMaps().inNamespace(NS).withName(ControllerInit.AGENT_TRUST).get();
    replace(agentTrust, trust.getData().get("controller-signing.pub"));
  }

  String signingKey() {
    return ProgramSignatures.keyId(signer.publicKey());
  }

  static String id(String privateKeyPem) {
    return ProgramSignatures.keyId(ProgramSignatures.parsePrivateKey(privateKeyPem));
  }

  /** A new program for the agent's node: one more floating IP placed on it. */
  void placeOnTheNode(String ip) {
    client
        .resources(NetworkGatewayGroup.class)
        .resource(ClusterFixtures.group(GROUPS, "keys-" + ip.replace('.', '-'), null, ip))
        .create();
  }

  void awaitApplied(String ip) {
    await().atMost(FAST).until(() -> agent.heldFloatingIPs().contains(ip));
  }

  @Test
  void theSigningKeyRotatesWhileTheAgentAppliesEveryProgramAndAnUnpublishedKeyIsRefused()
      throws Exception {
    // Arrange: the init step (Secret, key files, trust ConfigMap) and one agent that verifies
    // with the published set in its file.
    crds.installMissing();
    ControllerInit.run(client, NS, DIR, Clock.systemUTC());
    kubeletSyncsTheTrustConfigMap();
    client.nodes().resource(ClusterFixtures.readyNode("keys-a", "10.14.0.11", Map.of())).create();
    Supplier<ProgramKeySet> trusted = AgentChannel.publicKeySetFile(agentTrust);
    agent =
        new SimulatedAgent("keys-a", "10.14.0.11", "10.14.0.11/24")
            .trusting(trusted)
            .start(vertx, "http://localhost:" + port, Path.of(tokenDir), agentTrust);
    placeOnTheNode("10.14.0.100");
    awaitApplied("10.14.0.100");
    String first = signingKey();

    // Act 1: add a key. It is published (controller and agents) but does not sign yet.
    ProgramKeyRing added = ProgramKeyRotation.run(client, NS, "add");
    String second = id(added.next());
    kubeletSyncsTheTrustConfigMap();
    assertThat(keySync.sync()).as("the published set changed in the Secret").isTrue();
    await().atMost(FAST).until(() -> trusted.get().keys().containsKey(second));
    placeOnTheNode("10.14.0.101");
    awaitApplied("10.14.0.101");
    assertThat(signingKey()).isEqualTo(first);

    // Act 2: switch. The controller signs with the new key, no restart.
    ProgramKeyRotation.run(client, NS, "switch");
    assertThat(keySync.sync()).as("the signing key changed in the Secret").isTrue();
    await().atMost(FAST).until(() -> signingKey().equals(second));
    placeOnTheNode("10.14.0.102");
    awaitApplied("10.14.0.102");

    // Act 3: retire the old key. The agent trusts the new key alone and still applies programs:
    // they are signed with the new key.
    ProgramKeyRotation.run(client, NS, "retire");
    kubeletSyncsTheTrustConfigMap();
    keySync.sync();
    await()
        .atMost(FAST)
        .until(() -> trusted.get().keys().keySet().equals(java.util.Set.of(second)));
    placeOnTheNode("10.14.0.103");
    awaitApplied("10.14.0.103");
    assertThat(agent.client().programsRejected()).as("no program refused during rotation").isZero();

    // Act 4: the controller's files get a key the agents were never given.
    KeyPair rogue = ProgramSignatures.generate();
    String rogueId = ProgramSignatures.keyId(rogue.getPublic());
    replace(
        PUBLISHED, ProgramSignatures.publicKeyPem(rogue.getPublic()) + Files.readString(PUBLISHED));
    replace(KEY, ProgramSignatures.privateKeyPem(rogue.getPrivate()));
    await().atMost(FAST).until(() -> signingKey().equals(rogueId));
    int appliedBefore = agent.applied().size();
    placeOnTheNode("10.14.0.104");

    // Assert: refused, and the node keeps the program it had (fail static).
    await().atMost(FAST).until(() -> agent.client().programsRejected() > 0);
    assertThat(agent.applied()).hasSize(appliedBefore);
    assertThat(agent.heldFloatingIPs()).doesNotContain("10.14.0.104");

    // And once the files hold the Secret's key again, the same program is applied.
    assertThat(keySync.sync()).isTrue();
    awaitApplied("10.14.0.104");
  }
}

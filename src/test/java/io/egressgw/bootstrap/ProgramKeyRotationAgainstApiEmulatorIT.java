package io.egressgw.bootstrap;

import static io.egressgw.admission.WebhookCertificates.unb64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressgw.program.ProgramKeySet;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.program.SignedProgram;
import io.egressgw.testing.CrudApiEmulator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: the program-signing key rotates in the cluster, one {@link ProgramKeyRotation} step at
 * a time, against the Kubernetes API emulator (fabric8 mock server, CRUD mode). After each step the
 * Secret holds the key controllers sign with (and the added one), and the agents' trust ConfigMap
 * publishes exactly the keys whose programs agents must accept.
 */
class ProgramKeyRotationAgainstApiEmulatorIT {
  static final String NAMESPACE = "egressgw-system";

  /** The agents' namespace, where the trust ConfigMap is published (as deployed). */
  static final String AGENT_NAMESPACE = "egressgw-agent";

  static final byte[] PROGRAM =
      "{\"node\":\"worker1\",\"generation\":7}".getBytes(StandardCharsets.US_ASCII);
  static final String NONCE = "AAAAAAAAAAAAAAAAAAAAAA";

  CrudApiEmulator emulator;
  KubernetesClient client;
  @TempDir Path replica;
  @TempDir Path restarted;

  @BeforeEach
  void start() {
    emulator = new CrudApiEmulator();
    client = emulator.client();
  }

  @AfterEach
  void stop() {
    emulator.close();
  }

  Secret secret() {
    return client.secrets().inNamespace(NAMESPACE).withName(ControllerInit.SIGNING_SECRET).get();
  }

  String secretField(String name) {
    String value = secret().getData().get(name);
    return value == null ? null : unb64(value);
  }

  /** The keys agents accept: what the trust ConfigMap publishes. */
  ProgramKeySet agentsTrust() {
    ConfigMap trust =
        client.configMaps().inNamespace(AGENT_NAMESPACE).withName(ControllerInit.AGENT_TRUST).get();
    return ProgramKeySet.parse(trust.getData().get("controller-signing.pub"));
  }

  static String id(String privateKeyPem) {
    return ProgramSignatures.keyId(ProgramSignatures.parsePrivateKey(privateKeyPem));
  }

  static SignedProgram signedWith(String privateKeyPem) {
    return ProgramSignatures.signBound(
        PROGRAM, NONCE, ProgramSignatures.parsePrivateKey(privateKeyPem), id(privateKeyPem));
  }

  @Test
  void addSwitchRetireEachLeaveTheSecretAndTheTrustConfigMapAsPromised() throws Exception {
    ControllerInit.run(client, NAMESPACE, AGENT_NAMESPACE, replica, Clock.systemUTC());
    String oldKey = secretField("controller-signing.key");
    String caBefore =
        client
            .configMaps()
            .inNamespace(AGENT_NAMESPACE)
            .withName(ControllerInit.AGENT_TRUST)
            .get()
            .getData()
            .get("ca.crt");
    assertThat(agentsTrust().keys().keySet()).containsExactly(id(oldKey));

    // add: a new key is stored and published beside the old one, which still signs
    ProgramKeyRotation.run(client, NAMESPACE, AGENT_NAMESPACE, "add");
    String newKey = secretField(ProgramKeyRotation.NEXT_KEY);
    assertThat(newKey).isNotNull();
    assertThat(id(newKey)).isNotEqualTo(id(oldKey));
    assertThat(secretField("controller-signing.key")).isEqualTo(oldKey);
    assertThat(ProgramKeySet.parse(secretField("controller-signing.pub")).keys().keySet())
        .containsExactly(id(oldKey), id(newKey));
    assertThat(agentsTrust().keys().keySet()).containsExactly(id(oldKey), id(newKey));
    assertThat(ProgramSignatures.verifyBound(signedWith(oldKey), NONCE, agentsTrust()))
        .isEqualTo(PROGRAM);
    assertThat(ProgramSignatures.verifyBound(signedWith(newKey), NONCE, agentsTrust()))
        .isEqualTo(PROGRAM);

    // switch: the added key signs, no key waits, both stay published
    ProgramKeyRotation.run(client, NAMESPACE, AGENT_NAMESPACE, "switch");
    assertThat(secretField("controller-signing.key")).isEqualTo(newKey);
    assertThat(secret().getData()).doesNotContainKey(ProgramKeyRotation.NEXT_KEY);
    assertThat(ProgramKeySet.parse(secretField("controller-signing.pub")).keys().keySet())
        .containsExactly(id(oldKey), id(newKey));
    assertThat(agentsTrust().keys().keySet()).containsExactly(id(oldKey), id(newKey));
    assertThat(ProgramSignatures.verifyBound(signedWith(oldKey), NONCE, agentsTrust()))
        .isEqualTo(PROGRAM);
    // a controller restarted now (its init step copies the Secret) signs with the new key
    ControllerInit.run(client, NAMESPACE, AGENT_NAMESPACE, restarted, Clock.systemUTC());
    assertThat(Files.readString(restarted.resolve("signing/controller-signing.key")))
        .isEqualTo(newKey);

    // retire: only the new key is published; the old one's programs are refused
    ProgramKeyRotation.run(client, NAMESPACE, AGENT_NAMESPACE, "retire");
    assertThat(secretField("controller-signing.key")).isEqualTo(newKey);
    assertThat(ProgramKeySet.parse(secretField("controller-signing.pub")).keys().keySet())
        .containsExactly(id(newKey));
    assertThat(agentsTrust().keys().keySet()).containsExactly(id(newKey));
    assertThat(ProgramSignatures.verifyBound(signedWith(newKey), NONCE, agentsTrust()))
        .isEqualTo(PROGRAM);
    assertThatThrownBy(
            () -> ProgramSignatures.verifyBound(signedWith(oldKey), NONCE, agentsTrust()))
        .isInstanceOf(SecurityException.class)
        .hasMessageContaining("not published");
    assertThat(
            client
                .configMaps()
                .inNamespace(AGENT_NAMESPACE)
                .withName(ControllerInit.AGENT_TRUST)
                .get()
                .getData())
        .containsEntry("ca.crt", caBefore);
  }

  @Test
  void aStepOutOfOrderChangesNothing() throws Exception {
    ControllerInit.run(client, NAMESPACE, AGENT_NAMESPACE, replica, Clock.systemUTC());
    Secret before = secret();

    assertThatThrownBy(() -> ProgramKeyRotation.run(client, NAMESPACE, AGENT_NAMESPACE, "switch"))
        .isInstanceOf(IllegalStateException.class);

    assertThat(secret().getData()).isEqualTo(before.getData());
    assertThat(secret().getMetadata().getResourceVersion())
        .isEqualTo(before.getMetadata().getResourceVersion());
  }
}

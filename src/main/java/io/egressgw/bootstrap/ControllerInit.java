package io.egressgw.bootstrap;

import static io.egressgw.admission.WebhookCertificates.b64;
import static io.egressgw.admission.WebhookCertificates.unb64;

import io.egressgw.admission.ServingCertificates;
import io.egressgw.admission.WebhookCertificates;
import io.egressgw.controller.PrivateFiles;
import io.egressgw.program.ProgramSignatures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The controller pod's init container (k8s/controller.yaml). Before the controller starts it makes
 * sure the cluster holds, shared by all replicas:
 *
 * <ul>
 *   <li>the TLS material of the controller's HTTPS listener (REST API, agent channel, admission
 *       webhook), trusted by the webhook configuration ({@link WebhookCertificates});
 *   <li>the Ed25519 key every node program is signed with (Secret {@value #SIGNING_SECRET}),
 *       created once; {@link ProgramKeyRotation} rotates it, publishing the accepted keys;
 *   <li>what agents need to trust the controller, and nothing secret: the published signing public
 *       keys and the CA bundle (ConfigMap {@value #AGENT_TRUST}, mounted by the agent DaemonSet),
 *       in the agents' namespace ({@value #AGENT_TRUST_NAMESPACE_ENV}; default: the controller's
 *       own), since a pod mounts ConfigMaps of its own namespace only.
 * </ul>
 *
 * It writes the controller's files under the directory it is given: tls/ and signing/.
 */
public final class ControllerInit {
  static final String SIGNING_SECRET = "egressgw-program-signing";
  static final String AGENT_TRUST = "egressgw-agent-trust";

  /**
   * The environment variable naming the agents' namespace: the same one the running controller
   * reads as {@code egressgw.controller.tls.agent-trust-namespace} (ServingTlsSettings).
   */
  static final String AGENT_TRUST_NAMESPACE_ENV = "EGRESSGW_CONTROLLER_TLS_AGENT_TRUST_NAMESPACE";

  private ControllerInit() {}

  public static void main(String[] args) throws Exception {
    String namespace = controllerNamespace();
    Path dir = Path.of(args.length > 0 ? args[0] : "/run/egressgw");
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      run(client, namespace, agentTrustNamespace(namespace), dir, Clock.systemUTC());
    }
  }

  /** The controller's namespace: its pod's (downward API), else the installation default. */
  static String controllerNamespace() {
    return Optional.ofNullable(System.getenv("POD_NAMESPACE")).orElse("egressgw-system");
  }

  /**
   * Where the agents' trust ConfigMap lives: {@value #AGENT_TRUST_NAMESPACE_ENV}, else {@code
   * controllerNamespace}.
   */
  static String agentTrustNamespace(String controllerNamespace) {
    return Optional.ofNullable(System.getenv(AGENT_TRUST_NAMESPACE_ENV))
        .filter(s -> !s.isBlank())
        .orElse(controllerNamespace);
  }

  /**
   * {@link #run(KubernetesClient, String, String, Path, Clock)} with everything in one namespace.
   */
  static void run(KubernetesClient client, String namespace, Path dir, Clock clock)
      throws Exception {
    run(client, namespace, namespace, dir, clock);
  }

  static void run(
      KubernetesClient client, String namespace, String agentTrustNamespace, Path dir, Clock clock)
      throws Exception {
    ServingCertificates.Issued tls =
        WebhookCertificates.ensure(client, namespace, dir.resolve("tls"), clock);
    Map<String, String> signing = signingKeys(client, namespace);
    Path signingDir = Files.createDirectories(dir.resolve("signing"));
    Files.writeString(
        signingDir.resolve("controller-signing.pub"), signing.get("controller-signing.pub"));
    PrivateFiles.write(
        signingDir.resolve("controller-signing.key"), signing.get("controller-signing.key"));
    publishTrust(
        client,
        agentTrustNamespace,
        () -> signingKeys(client, namespace).get("controller-signing.pub"),
        tls.caCertificate());
  }

  /** How many times a conflicting write of the trust ConfigMap is read and tried again. */
  static final int TRUST_WRITE_ATTEMPTS = 5;

  /**
   * Creates the agents' trust ConfigMap, or adds to the existing one what it lacks ({@link
   * AgentTrust#merged}) at the resourceVersion read: a concurrent writer (another replica's init
   * step, the leader, a key rotation) makes the write fail with 409, and the map is read again. The
   * published signing keys are read from their Secret after the map: a rotation step writes the
   * Secret first, so what is written is never older than what the map held.
   */
  static void publishTrust(
      KubernetesClient client,
      String namespace,
      java.util.function.Supplier<String> publishedSigningKeys,
      String caBundle) {
    var maps = client.configMaps().inNamespace(namespace);
    for (int attempt = 1; ; attempt++) {
      ConfigMap existing = maps.withName(AGENT_TRUST).get();
      String signingPub = publishedSigningKeys.get();
      try {
        if (existing == null) {
          if (caBundle == null) {
            return; // a key rotation step: the init step creates the map
          }
          maps.resource(
                  new ConfigMapBuilder()
                      .withNewMetadata()
                      .withName(AGENT_TRUST)
                      .withNamespace(namespace)
                      .endMetadata()
                      .withData(AgentTrust.fresh(signingPub, caBundle))
                      .build())
              .create();
          return;
        }
        Optional<Map<String, String>> merged =
            AgentTrust.merged(existing.getData(), signingPub, caBundle);
        if (merged.isEmpty()) {
          return;
        }
        existing.setData(merged.get());
        maps.resource(existing).lockResourceVersion().update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= TRUST_WRITE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** The stored signing key pair, created once (the first replica to get here wins). */
  static Map<String, String> signingKeys(KubernetesClient client, String namespace) {
    Secret stored = client.secrets().inNamespace(namespace).withName(SIGNING_SECRET).get();
    if (stored == null) {
      KeyPair pair = ProgramSignatures.generate();
      Secret fresh =
          new SecretBuilder()
              .withNewMetadata()
              .withName(SIGNING_SECRET)
              .withNamespace(namespace)
              .endMetadata()
              .withData(
                  Map.of(
                      "controller-signing.key",
                          b64(ProgramSignatures.privateKeyPem(pair.getPrivate())),
                      "controller-signing.pub",
                          b64(ProgramSignatures.publicKeyPem(pair.getPublic()))))
              .build();
      try {
        client.secrets().inNamespace(namespace).resource(fresh).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
      stored = client.secrets().inNamespace(namespace).withName(SIGNING_SECRET).get();
    }
    return Map.of(
        "controller-signing.key", unb64(stored.getData().get("controller-signing.key")),
        "controller-signing.pub", unb64(stored.getData().get("controller-signing.pub")));
  }
}

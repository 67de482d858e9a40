package io.egressgw.bootstrap;

import static io.egressgw.admission.WebhookCertificates.b64;
import static io.egressgw.admission.WebhookCertificates.unb64;

import io.egressgw.program.ProgramKeyRing;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rotates the program-signing key in the cluster, one step of {@link ProgramKeyRing} per run
 * ({@code add}, {@code switch}, {@code retire}): rewrites the Secret {@value
 * ControllerInit#SIGNING_SECRET} at the resourceVersion it read and publishes the accepted keys in
 * the agents' trust ConfigMap. Running controllers copy the Secret to their key files within {@code
 * egressgw.controller.channel.key-sync-interval} ({@link io.egressgw.controller.ProgramKeySync})
 * and sign with the new key after {@code switch}, without a restart. Run it with the image's
 * classpath, e.g. {@code kubectl exec deploy/egressgw-controller -- java -cp
 * /deployments/lib/main/*:/deployments/app/* io.egressgw.bootstrap.ProgramKeyRotation add}: the
 * controller container's environment names both namespaces (POD_NAMESPACE for the Secret, {@value
 * ControllerInit#AGENT_TRUST_NAMESPACE_ENV} for the agents' ConfigMap).
 */
public final class ProgramKeyRotation {
  static final String NEXT_KEY = "next-signing.key";

  private ProgramKeyRotation() {}

  public static void main(String[] args) {
    if (args.length < 1 || !List.of("add", "switch", "retire").contains(args[0])) {
      System.err.println(
          "usage: ProgramKeyRotation add|switch|retire [namespace [agent-namespace]]");
      System.exit(2);
    }
    String namespace = args.length > 1 ? args[1] : ControllerInit.controllerNamespace();
    String agentNamespace =
        args.length > 2 ? args[2] : ControllerInit.agentTrustNamespace(namespace);
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      ProgramKeyRing ring = run(client, namespace, agentNamespace, args[0]);
      System.out.println(
          args[0]
              + ": published keys "
              + ring.keySet().keys().keySet()
              + ", signing "
              + signingId(ring));
    }
  }

  /** {@link #run(KubernetesClient, String, String, String)} with everything in one namespace. */
  static ProgramKeyRing run(KubernetesClient client, String namespace, String step) {
    return run(client, namespace, namespace, step);
  }

  /**
   * One step on the stored ring (the Secret in {@code namespace}, the trust ConfigMap in {@code
   * agentNamespace}); returns the ring stored.
   */
  static ProgramKeyRing run(
      KubernetesClient client, String namespace, String agentNamespace, String step) {
    Secret stored =
        client.secrets().inNamespace(namespace).withName(ControllerInit.SIGNING_SECRET).get();
    if (stored == null) {
      throw new IllegalStateException("no Secret " + ControllerInit.SIGNING_SECRET + " yet");
    }
    ProgramKeyRing ring = read(stored);
    ProgramKeyRing next =
        switch (step) {
          case "add" -> ring.addKey();
          case "switch" -> ring.switchSigning();
          case "retire" -> ring.retireOld();
          default -> throw new IllegalArgumentException(step);
        };
    Map<String, String> data = new TreeMap<>();
    data.put("controller-signing.key", b64(next.signing()));
    data.put("controller-signing.pub", b64(next.publishedPem()));
    if (next.next() != null) {
      data.put(NEXT_KEY, b64(next.next()));
    }
    stored.setData(data);
    // At the resourceVersion read: a concurrent step fails (409) instead of being overwritten.
    client.secrets().inNamespace(namespace).resource(stored).lockResourceVersion().update();
    ConfigMap trust =
        client.configMaps().inNamespace(agentNamespace).withName(ControllerInit.AGENT_TRUST).get();
    if (trust != null) {
      // The Secret's published keys, at the resourceVersion read and again on 409 (an init step
      // adding to the map at the same time): a conflict no longer fails the step half done.
      ControllerInit.publishTrust(
          client,
          agentNamespace,
          () -> ControllerInit.signingKeys(client, namespace).get("controller-signing.pub"),
          null);
    }
    return next;
  }

  static ProgramKeyRing read(Secret secret) {
    Map<String, String> d = secret.getData();
    String pub = unb64(d.get("controller-signing.pub"));
    List<String> published = new ArrayList<>();
    for (String block : io.egressgw.admission.Pem.blocks(pub)) {
      published.add(block);
    }
    return new ProgramKeyRing(
        unb64(d.get("controller-signing.key")),
        d.containsKey(NEXT_KEY) ? unb64(d.get(NEXT_KEY)) : null,
        published);
  }

  private static String signingId(ProgramKeyRing ring) {
    return io.egressgw.program.ProgramSignatures.keyId(
        io.egressgw.program.ProgramSignatures.parsePrivateKey(ring.signing()));
  }
}

package io.egressgw.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Routes agents to the leader only (issue 12: "a leader change moves nothing"). Only the leader
 * answers the agent channel; a follower answers 503. Behind one Service over every replica, an
 * agent's kept-alive connections may all end on a follower, and its heartbeats would then never
 * reach the leader: its node goes Down and its IPs move although nothing failed. So the leading
 * replica labels its own pod {@value #LABEL}=true and takes the label off every other pod of its
 * namespace that has it (a replica that crashed while leading keeps its pod and label); a replica
 * that stops leading, or starts, takes it off its own pod. The agents' Service
 * (egressgw-controller-leader) selects the label. Patches run on one thread of their own, in order,
 * so the election's callbacks never wait for the API server.
 */
final class LeaderPodLabel {
  private static final Logger LOG = Logger.getLogger(LeaderPodLabel.class);

  static final String LABEL = "egressgw.io/leader";

  private final KubernetesClient client;
  private final String namespace;
  private final String pod;
  private final ExecutorService patches =
      Executors.newSingleThreadExecutor(ReconcileLoop.daemon("egw-leader-label"));

  LeaderPodLabel(KubernetesClient client, String namespace, String pod) {
    this.client = client;
    this.namespace = namespace;
    this.pod = pod;
  }

  /** Leadership changed: label this replica's pod (and only it) while it leads. */
  void leading(boolean leads) {
    patches.execute(() -> apply(leads));
  }

  /** Waits until the patches asked for so far are done (tests). */
  void awaitPatches() throws Exception {
    patches.submit(() -> null).get();
  }

  void stop() {
    patches.shutdown();
  }

  private void apply(boolean leads) {
    try {
      label(pod, leads);
      if (leads) {
        for (Pod other :
            client.pods().inNamespace(namespace).withLabel(LABEL, "true").list().getItems()) {
          if (!other.getMetadata().getName().equals(pod)) {
            label(other.getMetadata().getName(), false);
            LOG.infof("took %s off pod %s: it does not lead", LABEL, other.getMetadata().getName());
          }
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "label %s on pod %s/%s not %s: %s",
          LABEL, namespace, pod, leads ? "set" : "removed", e.getMessage());
    }
  }

  private void label(String name, boolean on) {
    String patch =
        "{\"metadata\":{\"labels\":{\"" + LABEL + "\":" + (on ? "\"true\"" : "null") + "}}}";
    client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }
}

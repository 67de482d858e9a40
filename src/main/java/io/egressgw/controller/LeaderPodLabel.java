package io.egressgw.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Routes agents to the leader only (issue 12: "a leader change moves nothing"). Only the leader
 * answers the agent channel; a follower answers 503. Behind one Service over every replica, an
 * agent's kept-alive connections may all end on a follower, and its heartbeats would then never
 * reach the leader: its node goes Down and its IPs move although nothing failed. So the leading
 * replica labels its own pod {@value #LABEL}=true and takes the label off every other pod of its
 * namespace that has it (a replica that crashed while leading keeps its pod and label); a replica
 * that stops leading, or starts, takes it off its own pod. The agents' Service
 * (egressgw-controller-leader) selects the label.
 *
 * <p>Patches run on one thread of their own, so the election's callbacks never wait for the API
 * server. Each run applies the state of {@code leads} as it is when the patch is made, not as it
 * was when the change was announced: a replica paused (SIGSTOP, GC) while leading finds, when it
 * resumes, that the Lease names another holder and labels nothing, rather than taking the label off
 * the new leader. A refused patch is retried with a backoff ({@link #FIRST_RETRY} doubling up to
 * {@link #LAST_RETRY}) until one succeeds or the next change arrives, not only at the next resync.
 */
final class LeaderPodLabel {
  private static final Logger LOG = Logger.getLogger(LeaderPodLabel.class);

  static final String LABEL = "egressgw.io/leader";

  static final Duration FIRST_RETRY = Duration.ofMillis(100);
  static final Duration LAST_RETRY = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final String namespace;
  private final String pod;
  private final BooleanSupplier leads;
  private final ScheduledExecutorService patches =
      Executors.newSingleThreadScheduledExecutor(ReconcileLoop.daemon("egw-leader-label"));
  // the patch thread only
  private ScheduledFuture<?> retry;
  private Duration nextRetry = FIRST_RETRY;

  /**
   * @param leads whether this replica leads, asked right before each patch (the production caller
   *     also checks that the Lease still names this replica)
   */
  LeaderPodLabel(KubernetesClient client, String namespace, String pod, BooleanSupplier leads) {
    this.client = client;
    this.namespace = namespace;
    this.pod = pod;
    this.leads = leads;
  }

  /** Leadership changed, or may have: bring the labels in line with it (asynchronously). */
  void refresh() {
    patches.execute(this::run);
  }

  /** Waits until the patches asked for so far are done (tests). */
  void awaitPatches() throws Exception {
    patches.submit(() -> null).get();
  }

  void stop() {
    patches.shutdownNow();
  }

  private void run() {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    boolean leading = false;
    try {
      leading = leads.getAsBoolean();
      apply(leading);
      nextRetry = FIRST_RETRY;
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "label %s on pod %s/%s not %s, retrying in %d ms: %s",
          LABEL, namespace, pod, leading ? "set" : "removed", nextRetry.toMillis(), e.getMessage());
      retry = patches.schedule(this::run, nextRetry.toMillis(), TimeUnit.MILLISECONDS);
      nextRetry = nextRetry.multipliedBy(2);
      if (nextRetry.compareTo(LAST_RETRY) > 0) {
        nextRetry = LAST_RETRY;
      }
    }
  }

  private void apply(boolean leading) {
    label(pod, leading);
    if (leading) {
      for (Pod other :
          client.pods().inNamespace(namespace).withLabel(LABEL, "true").list().getItems()) {
        if (!other.getMetadata().getName().equals(pod)) {
          label(other.getMetadata().getName(), false);
          LOG.infof("took %s off pod %s: it does not lead", LABEL, other.getMetadata().getName());
        }
      }
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

package io.egressgw.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two controller replicas (two LeaderElectors, each with its own Leadership) against the same
 * fabric8 API mock server (CRUD mode; it rejects a Lease update with a stale resourceVersion, which
 * is what makes the election safe): never both leading, and a hand-over when the leader leaves.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@io.quarkus.test.junit.TestProfile(ApiEmulatorProfile.class)
class LeaderElectionAgainstApiEmulatorIT {
  @Inject KubernetesClient client;

  private LeaderElection replica(String id, Leadership leadership) {
    return new LeaderElection(
        client,
        leadership,
        Clock.systemUTC(),
        "kube-system",
        "egw-test-lease",
        id,
        Duration.ofMillis(1500),
        Duration.ofMillis(1000),
        Duration.ofMillis(200));
  }

  @Test
  void exactlyOneReplicaLeadsAndTheOtherTakesOverWhenItLeaves() throws Exception {
    Leadership a = new Leadership();
    Leadership b = new Leadership();
    AtomicBoolean both = new AtomicBoolean();
    AtomicInteger samples = new AtomicInteger();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher =
        new Thread(
            () -> {
              while (watching.get()) {
                if (a.isLeader() && b.isLeader()) {
                  both.set(true);
                }
                samples.incrementAndGet();
                Thread.onSpinWait();
              }
            });
    watcher.start();
    LeaderElection ra = replica("replica-a", a);
    LeaderElection rb = replica("replica-b", b);
    ra.start();
    rb.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> a.isLeader() || b.isLeader());
      // Several renew periods pass with one leader.
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> a.isLeader() ^ b.isLeader());
      Leadership leader = a.isLeader() ? a : b;
      Leadership follower = a.isLeader() ? b : a;
      LeaderElection leaving = a.isLeader() ? ra : rb;
      String leaderId = a.isLeader() ? "replica-a" : "replica-b";
      Lease lease = client.leases().inNamespace("kube-system").withName("egw-test-lease").get();
      assertEquals(leaderId, lease.getSpec().getHolderIdentity());

      leaving.stop();

      await().atMost(Duration.ofSeconds(10)).until(follower::isLeader);
      assertTrue(!leader.isLeader());
    } finally {
      ra.stop();
      rb.stop();
      watching.set(false);
      watcher.join();
    }
    assertTrue(samples.get() > 1000, "the watcher sampled too rarely: " + samples.get());
    assertTrue(!both.get(), "both replicas led at the same time");
  }

  private boolean labelled(String pod) {
    var p = client.pods().inNamespace("egw-leader-test").withName(pod).get();
    return "true".equals(p.getMetadata().getLabels().get(LeaderPodLabel.LABEL));
  }

  private void pod(String name, boolean labelled) {
    java.util.Map<String, String> labels = new java.util.HashMap<>();
    labels.put("app.kubernetes.io/name", "egressgw-controller");
    if (labelled) {
      labels.put(LeaderPodLabel.LABEL, "true");
    }
    client
        .pods()
        .inNamespace("egw-leader-test")
        .resource(
            new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("egw-leader-test")
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  /**
   * Two replicas with their pods: only the leader's pod carries the label the agents' Service
   * selects, also when the label was left on another pod by a replica that crashed while leading,
   * and after a hand-over.
   */
  @Test
  void onlyTheLeadersPodIsLabelledForTheAgentsService() {
    pod("ctl-a", false);
    pod("ctl-b", true); // a former leader's pod that kept its label
    pod("ctl-c", true);
    Leadership a = new Leadership();
    Leadership b = new Leadership();
    LeaderPodLabel la = new LeaderPodLabel(client, "egw-leader-test", "ctl-a", a::isLeader);
    LeaderPodLabel lb = new LeaderPodLabel(client, "egw-leader-test", "ctl-b", b::isLeader);
    a.onChange(leads -> la.refresh());
    b.onChange(leads -> lb.refresh());
    lb.refresh(); // what a starting replica does
    LeaderElection ra =
        new LeaderElection(
            client,
            a,
            Clock.systemUTC(),
            "kube-system",
            "egw-label-lease",
            "ctl-a",
            Duration.ofMillis(1500),
            Duration.ofMillis(1000),
            Duration.ofMillis(200));
    ra.start();
    LeaderElection rb = null;
    try {
      await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> labelled("ctl-a") && !labelled("ctl-b") && !labelled("ctl-c"));
      rb =
          new LeaderElection(
              client,
              b,
              Clock.systemUTC(),
              "kube-system",
              "egw-label-lease",
              "ctl-b",
              Duration.ofMillis(1500),
              Duration.ofMillis(1000),
              Duration.ofMillis(200));
      rb.start();

      ra.stop(); // a hand-over: b leads, only its pod is labelled

      await().atMost(Duration.ofSeconds(10)).until(b::isLeader);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> labelled("ctl-b") && !labelled("ctl-a") && !labelled("ctl-c"));
    } finally {
      ra.stop();
      if (rb != null) {
        rb.stop();
      }
      la.stop();
      lb.stop();
    }
  }

  /**
   * The label patch of a new leader fails (here: its pod is not visible yet). It is retried with a
   * backoff and lands within seconds, not at the next 30 s resync.
   */
  @Test
  void aRefusedLabelPatchIsRetriedWithoutWaitingForTheResync() throws Exception {
    Leadership a = new Leadership();
    LeaderPodLabel la = new LeaderPodLabel(client, "egw-leader-test", "ctl-late", a::isLeader);
    try {
      a.onChange(leads -> la.refresh());
      a.started(java.time.Instant.now()); // the patch of a missing pod is refused (404)
      la.awaitPatches();
      pod("ctl-late", false);
      await().atMost(Duration.ofSeconds(3)).until(() -> labelled("ctl-late"));
    } finally {
      la.stop();
    }
  }

  /**
   * A replica paused while leading resumes believing it leads, with its "leads" announcement still
   * queued. The Lease, read right before the patch, names the new leader: the paused replica labels
   * nothing and takes the label off nobody.
   */
  @Test
  void aReplicaThatNoLongerHoldsTheLeaseLabelsNothing() throws Exception {
    pod("ctl-paused", false);
    pod("ctl-new", true); // the new leader, labelled
    client
        .leases()
        .inNamespace("kube-system")
        .resource(
            new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                .withNewMetadata()
                .withName("egw-paused-lease")
                .withNamespace("kube-system")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity("ctl-new")
                .endSpec()
                .build())
        .create();
    LeaderElection paused =
        new LeaderElection(
            client,
            new Leadership(),
            Clock.systemUTC(),
            "kube-system",
            "egw-paused-lease",
            "ctl-paused",
            Duration.ofMillis(1500),
            Duration.ofMillis(1000),
            Duration.ofMillis(200));
    Leadership stale = new Leadership();
    stale.started(java.time.Instant.now()); // still believes it leads
    LeaderPodLabel label =
        new LeaderPodLabel(
            client, "egw-leader-test", "ctl-paused", () -> stale.isLeader() && paused.holdsLease());
    try {
      label.refresh();
      label.awaitPatches();
      assertTrue(!labelled("ctl-paused"), "the paused replica labelled its own pod");
      assertTrue(labelled("ctl-new"), "the paused replica took the new leader's label off");
    } finally {
      label.stop();
    }
  }

  @Test
  void theEmulatorRejectsALeaseUpdateWithAStaleResourceVersion() {
    Lease created =
        client
            .leases()
            .inNamespace("kube-system")
            .resource(
                new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                    .withNewMetadata()
                    .withName("egw-cas-check")
                    .withNamespace("kube-system")
                    .endMetadata()
                    .withNewSpec()
                    .withHolderIdentity("x")
                    .endSpec()
                    .build())
            .create();
    Lease first =
        new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder(created)
            .editSpec()
            .withHolderIdentity("y")
            .endSpec()
            .build();
    client.leases().inNamespace("kube-system").resource(first).update();
    Lease stale =
        new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder(created)
            .editSpec()
            .withHolderIdentity("z")
            .endSpec()
            .build();
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.fabric8.kubernetes.client.KubernetesClientException.class,
            () -> client.leases().inNamespace("kube-system").resource(stale).update());
    assertEquals(409, e.getCode());
  }
}

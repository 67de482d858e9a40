package io.egressgw.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Runs fabric8's LeaderElector over a Lease and reflects the outcome in a {@link Leadership}. The
 * elector returns once leadership is lost; this class then joins the election again, so a replica
 * that lost the lease (API server unreachable for longer than the renew deadline) can lead later.
 * renewDeadline < leaseDuration makes the old leader stop before another one can take the lease.
 */
public final class LeaderElection {
  private static final Logger LOG = Logger.getLogger(LeaderElection.class);

  private final KubernetesClient client;
  private final Leadership leadership;
  private final Clock clock;
  private final String namespace;
  private final String lease;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewDeadline;
  private final Duration retryPeriod;
  private volatile boolean running;
  private volatile CompletableFuture<?> current;

  public LeaderElection(
      KubernetesClient client,
      Leadership leadership,
      Clock clock,
      String namespace,
      String lease,
      String identity,
      Duration leaseDuration,
      Duration renewDeadline,
      Duration retryPeriod) {
    this.client = client;
    this.leadership = leadership;
    this.clock = clock;
    this.namespace = namespace;
    this.lease = lease;
    this.identity = identity;
    this.leaseDuration = leaseDuration;
    this.renewDeadline = renewDeadline;
    this.retryPeriod = retryPeriod;
  }

  public String identity() {
    return identity;
  }

  /**
   * Whether the Lease, read from the API server now, names this replica as its holder: a replica
   * that resumes from a pause may still believe it leads until its elector next tries to renew.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the Lease cannot be read
   */
  public boolean holdsLease() {
    var l = client.leases().inNamespace(namespace).withName(lease).get();
    return l != null && l.getSpec() != null && identity.equals(l.getSpec().getHolderIdentity());
  }

  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    join();
  }

  /** Leaves the election, releasing the lease if held, so another replica takes over at once. */
  public synchronized void stop() {
    running = false;
    CompletableFuture<?> f = current;
    if (f != null) {
      f.cancel(true);
    }
    leadership.stopped();
  }

  private synchronized void join() {
    if (!running) {
      return;
    }
    LeaderElector elector =
        client
            .leaderElector()
            .withConfig(
                new LeaderElectionConfigBuilder()
                    .withName("egressgw-controller")
                    .withLock(new LeaseLock(namespace, lease, identity))
                    .withLeaseDuration(leaseDuration)
                    .withRenewDeadline(renewDeadline)
                    .withRetryPeriod(retryPeriod)
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(
                            () -> {
                              LOG.infof("%s leads (lease %s/%s)", identity, namespace, lease);
                              leadership.started(clock.instant());
                            },
                            () -> {
                              LOG.infof("%s stopped leading", identity);
                              leadership.stopped();
                            },
                            leadership::newLeader))
                    .build())
            .build();
    current = elector.start();
    var unused =
        current.whenComplete(
            (r, e) -> {
              leadership.stopped();
              if (running) {
                LOG.infof("%s rejoins the election", identity);
                CompletableFuture.delayedExecutor(
                        retryPeriod.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .execute(this::join);
              }
            });
  }
}

package io.egressgw.controller;

import io.egressgw.kube.ResourceCache;
import io.egressgw.program.NodeReport;
import io.egressgw.role.ProcessRole;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The controller's runtime (role controller): wires informer events, heartbeats and the liveness
 * sweep (every {@code check-interval}) to the {@link ReconcileLoop}, whose one thread reconciles:
 * {@link PlacementStage} (placement, NetworkGatewayGroup status, Events, metrics), then {@link
 * ProgramStage} (programs for the agents, policy status), then the {@link StartupTaintRemoval}.
 * Only the leader reconciles; every replica keeps its caches warm.
 *
 * <p>A new leader starts from the assignment recorded in status and lets one miss window pass (the
 * grace period) before it declares any node Down or moves anything: agents need that long to reach
 * it and report their subnets again.
 */
@ApplicationScoped
public class ControllerRuntime {
  private static final Logger LOG = Logger.getLogger(ControllerRuntime.class);

  /** What one reconcile did (documented outcome per value). */
  public enum Outcome {
    /** Not the leader: nothing read or written. */
    NOT_LEADER,
    /** Leader in its grace period: waiting for agents before placing anything. */
    GRACE,
    /** Inputs equal to the last successful reconcile: nothing computed or written. */
    UNCHANGED,
    /** Computed; status written where it differed. */
    RECONCILED,
    /** A write failed; another reconcile is scheduled. */
    RETRY
  }

  @Inject KubernetesClient client;
  @Inject ResourceCache resources;
  @Inject ClusterCache cluster;
  @Inject ChannelState state;
  @Inject Leadership leadership;
  @Inject LivenessSettings livenessConfig;
  @Inject LeaderElectionSettings electionSettings;
  @Inject ControllerMetrics metrics;
  @Inject PlacementStage placement;
  @Inject ProgramStage programs;
  @Inject LivenessSweep liveness;
  @Inject TokenIssuance tokens;
  @Inject StartupTaintRemoval startupTaints;
  @Inject Clock clock;
  @Inject FloatingIpEvents events;
  @Inject ProcessRole role;

  /**
   * Off: role controller serves the REST API only (no informers, reconcile, election or agent
   * channel); the test profile uses it so that REST tests see no status writes.
   */
  @ConfigProperty(name = "egressgw.controller.enabled", defaultValue = "true")
  boolean enabled;

  private final ReconcileBackoff backoff = ReconcileBackoff.DEFAULT;
  private ScheduledExecutorService ticker;
  private ReconcileLoop loop;
  private ReconcileLoop.CoalescedTask reconcileTask;
  private ReconcileLoop.CoalescedTask statusRefreshTask;

  /** Set by the resync timer, consumed by the reconcile thread (owner of what a resync clears). */
  private final AtomicBoolean resyncRequested = new AtomicBoolean();

  private LeaderElection election;
  private volatile LeaseConfirmation leaseConfirmation;
  private final java.util.concurrent.ExecutorService leaseReads =
      Executors.newSingleThreadExecutor(ReconcileLoop.daemon("egw-lease-read"));

  /** How long a read of the Lease naming this replica lets it answer reclaims. */
  static final Duration LEASE_CONFIRMATION = Duration.ofSeconds(1);

  private LeaderPodLabel leaderLabel;
  private volatile boolean started;

  void onStart(@Observes @Priority(20) StartupEvent event) {
    if (!role.isController() || !enabled) {
      return;
    }
    start();
  }

  /** Starts informers, the liveness sweep, the reconcile thread and the election. */
  public synchronized void start() {
    if (started) {
      return;
    }
    loop = new ReconcileLoop("egw-reconcile", clock);
    reconcileTask = loop.coalesced("reconcile", this::reconcileRun, backoff.afterError());
    statusRefreshTask =
        loop.coalesced("policy status refresh", this::statusRefreshRun, backoff.afterError());
    ticker = Executors.newSingleThreadScheduledExecutor(ReconcileLoop.daemon("egw-liveness"));
    started = true;
    cluster.start(
        (kind, key) -> {
          programs.changed(kind, key);
          request();
        });
    ResourceEventHandler<Object> any =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Object o) {
            customResourceChanged();
          }

          @Override
          public void onUpdate(Object a, Object b) {
            customResourceChanged();
          }

          @Override
          public void onDelete(Object o, boolean unknown) {
            customResourceChanged();
          }
        };
    resources.gatewayGroupInformer().addEventHandler(cast(any));
    resources.egressPolicyInformer().addEventHandler(cast(any));
    leadership.onChange(this::leadershipChanged);
    metrics.guardDrops(
        () -> state.liveness().reports().values().stream().mapToLong(NodeReport::guardDrops).sum());
    state.programs().onRolledOut(nanos -> metrics.rolledOut(Duration.ofNanos(nanos)));
    long every = Math.max(1, livenessConfig.checkInterval().toMillis());
    var unused = ticker.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
    if (electionSettings.enabled()) {
      String identity =
          electionSettings
              .identity()
              .orElseGet(
                  () ->
                      Optional.ofNullable(System.getenv("HOSTNAME")).orElse("egressgw")
                          + "-"
                          + UUID.randomUUID().toString().substring(0, 6));
      String pod = System.getenv("POD_NAME");
      String podNamespace = System.getenv("POD_NAMESPACE");
      LeaderElection elected =
          new LeaderElection(
              client,
              leadership,
              clock,
              electionSettings.leaseNamespace(),
              electionSettings.leaseName(),
              identity,
              electionSettings.leaseDuration(),
              electionSettings.renewDeadline(),
              electionSettings.retryPeriod());
      election = elected;
      leaseConfirmation =
          new LeaseConfirmation(elected::holdsLease, leaseReads, clock, LEASE_CONFIRMATION);
      if (electionSettings.podLabel() && pod != null && podNamespace != null) {
        leaderLabel =
            new LeaderPodLabel(
                client, podNamespace, pod, () -> leadership.isLeader() && elected.holdsLease());
        leaderLabel.refresh(); // a restarted container may have kept its pod's label
        leadership.onChange(leads -> leaderLabel.refresh());
      }
      election.start();
    } else {
      leadership.started(clock.instant());
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    if (!started) {
      return;
    }
    if (election != null) {
      election.stop();
    }
    if (leaderLabel != null) {
      leaderLabel.stop();
    }
    ticker.shutdownNow();
    leaseReads.shutdownNow();
    loop.stop();
  }

  private void customResourceChanged() {
    programs.changed(ChangeKind.CUSTOM_RESOURCE, null);
    request();
  }

  /**
   * A heartbeat from an authenticated agent (leader only). Returns the floating IPs the node must
   * take again: assigned to it, yet yielded to another host's announcement (see {@link #reclaims});
   * none until the Lease was read naming this replica within {@link #LEASE_CONFIRMATION} ({@link
   * LeaseConfirmation}), so that a replica resuming from a pause reclaims nothing.
   */
  public List<String> heartbeat(NodeReport reported, Instant at) {
    NodeReport report = crossChecked(reported, at);
    AgentLiveness agents = state.liveness();
    boolean wasAlive = agents.alive(report.node(), at) && agents.report(report.node()).isPresent();
    Optional<NodeReport> previous = agents.heartbeat(report, at);
    reportClaims(report, previous.map(NodeReport::floatingIpClaims).orElse(Map.of()), at);
    if (!wasAlive
        || previous.isEmpty()
        || !previous.get().subnets().equals(report.subnets())
        || !Objects.equals(previous.get().nodeIP(), report.nodeIP())
        || previous.get().draining() != report.draining()
        || previous.get().uplinkDown() != report.uplinkDown()) {
      if (report.uplinkDown() && previous.map(p -> !p.uplinkDown()).orElse(true)) {
        LOG.warnf("node %s reports its uplink down: its floating IPs move", report.node());
      }
      programs.changed(ChangeKind.NODE, report.node());
      request();
    } else if (previous.get().appliedGeneration() != report.appliedGeneration()
        || !Objects.equals(previous.get().applyError(), report.applyError())) {
      // Only an acknowledgement, or an apply that failed or stopped failing: held programs may be
      // released and policy status ("N of M nodes programmed", or why not) may change, nothing
      // else.
      requestStatusRefresh();
    }
    if (previous.isPresent()
        && !Objects.equals(previous.get().replicaReady(), report.replicaReady())) {
      request(); // a standby now holds (or lost) an IP's state: a held hand-over may proceed
    }
    List<String> reclaim = reclaims(report, placement.assignment());
    LeaseConfirmation confirmation = leaseConfirmation;
    if (!reclaim.isEmpty() && confirmation != null && !confirmation.confirmed()) {
      return List.of(); // asked again with the agent's next heartbeat, once the Lease was read
    }
    return reclaim;
  }

  /** The reported node IP each node's agent last sent that its Node's InternalIP refuted. */
  private final Map<String, String> refusedNodeIps = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * {@code report} with the Node's InternalIP when the agent reported another address (issue 15,
   * {@link ReportedNodeIp}); each new refused address is logged, counted and recorded as an Event
   * on the Node once, not on every heartbeat.
   */
  private NodeReport crossChecked(NodeReport report, Instant at) {
    ReportedNodeIp.Checked checked = ReportedNodeIp.check(report, cluster.node(report.node()));
    if (checked.refused() == null) {
      refusedNodeIps.remove(report.node());
      return report;
    }
    if (!checked.refused().equals(refusedNodeIps.put(report.node(), checked.refused()))) {
      String used = checked.report().nodeIP();
      LOG.warnf(
          "agent of %s reported node IP %s, the Node's InternalIP is %s: using %s",
          report.node(), checked.refused(), used, used);
      metrics.nodeIpRefused();
      if (leadership.isLeader()) {
        String refused = checked.refused();
        // off the heartbeat's thread: a slow API server must not delay the node's heartbeat
        var unused =
            java.util.concurrent.CompletableFuture.runAsync(
                () -> {
                  try {
                    client
                        .v1()
                        .events()
                        .inNamespace("default")
                        .resource(
                            ReportedNodeIp.event(
                                report.node(),
                                refused,
                                used,
                                at,
                                Long.toHexString(System.nanoTime())))
                        .create();
                  } catch (RuntimeException e) {
                    LOG.warnf(
                        "NodeIPRefused event for %s not written: %s",
                        report.node(), e.getMessage());
                  }
                });
      }
    }
    return checked.report();
  }

  /**
   * The floating IPs a node reports it yielded (another host announced them) although {@code
   * assignment} gives them to it: an old holder that applied a stale program announced them, and
   * would leave them without owner once its next program removes them. The assigned holder takes
   * them again (its announcement makes the stale one yield in turn): the controller's assignment,
   * not the last announcement, decides who owns an IP.
   */
  static List<String> reclaims(NodeReport report, Map<String, String> assignment) {
    return report.floatingIpClaims().keySet().stream()
        .filter(ip -> report.node().equals(assignment.get(ip)))
        .sorted()
        .toList();
  }

  /**
   * A node yielded a floating IP because another host announced it (its dataplane's one-owner
   * rule): one FloatingIPConflict Event per new claim, off the heartbeat's thread.
   */
  private void reportClaims(NodeReport report, Map<String, String> before, Instant at) {
    report
        .floatingIpClaims()
        .forEach(
            (ip, mac) -> {
              if (mac.equals(before.get(ip))) {
                return;
              }
              String assigned = placement.assignment().get(ip);
              if (!report.node().equals(assigned)) {
                // the old holder saw the new holder's announcement: a hand-over, not a conflict
                LOG.debugf("node %s yielded floating IP %s to %s", report.node(), ip, mac);
                return;
              }
              LOG.warnf("node %s yielded floating IP %s: %s announced it", report.node(), ip, mac);
              metrics.conflict();
              var unused =
                  java.util.concurrent.CompletableFuture.runAsync(
                      () ->
                          resources.gatewayGroups().list().stream()
                              .filter(g -> g.getSpec() != null)
                              .filter(g -> g.getSpec().getFloatingIPs().contains(ip))
                              .forEach(
                                  g -> events.claimed(g, report.node(), ip, mac, assigned, at)));
            });
  }

  /**
   * Asks for a release of held programs and a policy status refresh only (coalesced like {@link
   * #request()}).
   */
  public void requestStatusRefresh() {
    if (started) {
      statusRefreshTask.request();
    }
  }

  /** Asks for a reconcile; requests arriving while one is pending are coalesced. */
  public void request() {
    if (started) {
      reconcileTask.request();
    }
  }

  /** Periodic resync: recompute even if no event arrived (missed events, clock-driven changes). */
  @Scheduled(every = "${egressgw.controller.resync-interval:30s}", delayed = "10s")
  void resync() {
    if (leaderLabel != null) {
      leaderLabel.refresh(); // repairs a label someone else changed
    }
    if (started) {
      resyncRequested.set(true);
      request();
    }
  }

  private void leadershipChanged(boolean leads) {
    metrics.leading(leads);
    LeaseConfirmation confirmation = leaseConfirmation;
    if (confirmation != null) {
      confirmation.reset();
    }
    Instant now = clock.instant();
    if (leads) {
      state.liveness().startGrace(now);
      state.programs().reset(now.toEpochMilli());
      loop.execute(
          () -> {
            placement.reset();
            programs.reset();
          });
      liveness.leadershipStarted();
      request();
    } else {
      state.programs().stop();
    }
  }

  /** Runs every check-interval: token issuance, liveness verdicts, the end of the grace period. */
  private void tick() {
    try {
      Set<String> names = new TreeSet<>();
      for (Node n : cluster.nodes()) {
        names.add(n.getMetadata().getName());
      }
      tokens.issueForNew(names);
      if (liveness.sweep(names)) {
        request();
      }
    } catch (RuntimeException e) {
      LOG.warnf(e, "liveness sweep failed");
    }
  }

  /** The reconcile task's body (reconcile thread): a pending resync first, then one reconcile. */
  private Optional<Duration> reconcileRun() {
    if (resyncRequested.getAndSet(false)) {
      placement.forgetInputs();
      programs.resync();
    }
    return reconcile() == Outcome.RETRY
        ? Optional.of(backoff.afterFailedWrite())
        : Optional.empty();
  }

  /** The status refresh task's body (reconcile thread). */
  private Optional<Duration> statusRefreshRun() {
    if (!leadership.isLeader()) {
      return Optional.empty();
    }
    releaseHeldPrograms();
    startupTaints.removeFromProgrammedNodes();
    return programs.refreshPolicyStatus()
        ? Optional.empty()
        : Optional.of(backoff.afterUnwrittenPolicyStatus());
  }

  /** One reconcile on the reconcile thread. */
  Outcome reconcile() {
    if (!leadership.isLeader()) {
      return Outcome.NOT_LEADER;
    }
    Instant now = clock.instant();
    if (state.liveness().inGrace(now)) {
      return Outcome.GRACE;
    }
    PlacementStage.Step placed = placement.place(now);
    placed.recheckAt().ifPresent(reconcileTask::requestAt);
    if (placed.unchanged() && !programs.pending()) {
      // Acknowledgements may still have moved policy status ("N of M nodes programmed").
      return programs.refreshPolicyStatus() ? Outcome.UNCHANGED : Outcome.RETRY;
    }
    // Programs first: a failover reaches the agents without waiting for the API server's writes
    // (group status, Events, policy status: 30-60 ms in the lab).
    programs.publish(placed.result(), now);
    releaseHeldPrograms();
    placement.published(placed);
    boolean ok = placement.record(placed, now).written();
    ok &= programs.refreshPolicyStatus();
    releaseHeldPrograms();
    startupTaints.removeFromProgrammedNodes();
    return ok ? Outcome.RECONCILED : Outcome.RETRY;
  }

  /** Releases held programs whose rollout step has come; comes back when the next step is due. */
  private void releaseHeldPrograms() {
    programs.release(clock.instant()).ifPresent(statusRefreshTask::requestAt);
  }

  /** The current assignment (ip -> node) as last written; for tests and the benchmark. */
  public Map<String, String> assignment() {
    return placement.assignment();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
    return (ResourceEventHandler) h;
  }
}

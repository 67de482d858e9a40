package io.egressgw.controller;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupStatus;
import io.egressgw.kube.ResourceCache;
import io.egressgw.placement.FloatingIpMove;
import io.egressgw.placement.FloatingIpPlacement;
import io.egressgw.placement.PlacementGroup;
import io.egressgw.placement.PlacementNode;
import io.egressgw.placement.PlacementResult;
import io.egressgw.placement.PlacementSnapshot;
import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The controller's runtime (role controller): informer events, heartbeats and a liveness sweep
 * every {@code check-interval} request a reconcile; one thread reconciles (coalescing requests):
 * placement -> NetworkGatewayGroup status, Events, metrics -> programs for the agents -> policy
 * status. Only the leader reconciles; every replica keeps its caches warm.
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
  @Inject AgentAuthenticator auth;
  @Inject ProgramStage programs;
  @Inject Clock clock;

  @ConfigProperty(name = "egressgw.role", defaultValue = "controller")
  String role;

  private ScheduledExecutorService ticker;
  private ScheduledExecutorService reconciler;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final AtomicBoolean refreshRequested = new AtomicBoolean();
  private LeaderElection election;
  private volatile boolean started;

  // Reconciler-thread state.
  private final Map<String, String> assignment = new LinkedHashMap<>();
  private volatile Map<String, String> publishedAssignment = Map.of();
  private final Map<String, NetworkGatewayGroupStatus> written = new HashMap<>();
  private Object lastInputs; // placement inputs of the last placement whose status was written
  private PlacementResult lastPlacement;
  private final Map<String, Instant> pendingFailovers = new ConcurrentHashMap<>();
  private volatile boolean graceHandled = true;
  private final Set<String> tokenIssued = ConcurrentHashMap.newKeySet();

  /**
   * Off: role controller serves the REST API only (no informers, reconcile, election or agent
   * channel); the test profile uses it so that REST tests see no status writes.
   */
  @ConfigProperty(name = "egressgw.controller.enabled", defaultValue = "true")
  boolean enabled;

  void onStart(@Observes @Priority(20) StartupEvent event) {
    if (!"controller".equals(role) || !enabled) {
      return;
    }
    start();
  }

  /** Starts informers, the liveness sweep, the reconcile thread and the election. */
  public synchronized void start() {
    if (started) {
      return;
    }
    started = true;
    reconciler = Executors.newSingleThreadScheduledExecutor(daemon("egw-reconcile"));
    ticker = Executors.newSingleThreadScheduledExecutor(daemon("egw-liveness"));
    cluster.start((kind, key) -> {
      programs.changed(kind, key);
      request();
    });
    ResourceEventHandler<Object> any = new ResourceEventHandler<>() {
      @Override public void onAdd(Object o) { customResourceChanged(); }
      @Override public void onUpdate(Object a, Object b) { customResourceChanged(); }
      @Override public void onDelete(Object o, boolean unknown) { customResourceChanged(); }
    };
    resources.gatewayGroupInformer().addEventHandler(cast(any));
    resources.egressPolicyInformer().addEventHandler(cast(any));
    leadership.onChange(this::leadershipChanged);
    metrics.guardDrops(() -> state.liveness().reports().values().stream()
        .mapToLong(io.egressgw.program.NodeReport::guardDrops).sum());
    long every = Math.max(1, livenessConfig.checkInterval().toMillis());
    ticker.scheduleAtFixedRate(this::sweep, every, every, TimeUnit.MILLISECONDS);
    if (electionSettings.enabled()) {
      String identity = electionSettings.identity().orElseGet(() ->
          Optional.ofNullable(System.getenv("HOSTNAME")).orElse("egressgw") + "-"
              + UUID.randomUUID().toString().substring(0, 6));
      election = new LeaderElection(client, leadership, clock, electionSettings.leaseNamespace(),
          electionSettings.leaseName(), identity, electionSettings.leaseDuration(),
          electionSettings.renewDeadline(), electionSettings.retryPeriod());
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
    ticker.shutdownNow();
    reconciler.shutdownNow();
  }

  private void customResourceChanged() {
    programs.changed("CustomResource", null);
    request();
  }

  /** A heartbeat from an authenticated agent (leader only). */
  public void heartbeat(NodeReport report, Instant at) {
    AgentLiveness liveness = state.liveness();
    boolean wasAlive = liveness.alive(report.node(), at) && liveness.report(report.node()).isPresent();
    Optional<NodeReport> previous = liveness.heartbeat(report, at);
    if (!wasAlive || previous.isEmpty()
        || !previous.get().subnets().equals(report.subnets())
        || !Objects.equals(previous.get().nodeIP(), report.nodeIP())) {
      programs.changed("Node", report.node());
      request();
    } else if (previous.get().appliedGeneration() != report.appliedGeneration()) {
      // Only an acknowledgement: held programs may be released and policy status ("N of M nodes
      // programmed") may change, nothing else.
      requestStatusRefresh();
    }
  }

  /**
   * Asks for a release of held programs and a policy status refresh only (coalesced like {@link
   * #request()}).
   */
  public void requestStatusRefresh() {
    if (started && !reconciler.isShutdown() && refreshRequested.compareAndSet(false, true)) {
      reconciler.execute(() -> {
        refreshRequested.set(false);
        if (!leadership.isLeader()) {
          return;
        }
        scheduleRelease(programs.release(clock.instant()));
        releaseStartupTaints();
        if (!programs.refreshPolicyStatus() && !reconciler.isShutdown()) {
          reconciler.schedule(this::requestStatusRefresh, 200, TimeUnit.MILLISECONDS);
        }
      });
    }
  }

  /**
   * Removes {@link StartupTaint} from nodes whose agent acknowledged a program (reconcile thread;
   * a failed patch is retried with the next acknowledgement or reconcile).
   */
  private void releaseStartupTaints() {
    for (String node : StartupTaint.releasable(cluster.nodes(), state.programs()::programmed)) {
      if (!leadership.isLeader()) {
        return;
      }
      try {
        client.nodes().withName(node).edit(StartupTaint::without);
        LOG.infof("node %s: agent programmed, removed the taint %s", node, StartupTaint.KEY);
      } catch (KubernetesClientException e) {
        LOG.warnf("node %s: taint %s not removed: %s", node, StartupTaint.KEY, e.getMessage());
      }
    }
  }

  /** Comes back when the rollout's current step times out with programs still held. */
  private void scheduleRelease(Optional<Instant> at) {
    if (at.isPresent() && !reconciler.isShutdown()) {
      long delay = Math.max(1, Duration.between(clock.instant(), at.get()).toMillis() + 1);
      reconciler.schedule(this::requestStatusRefresh, delay, TimeUnit.MILLISECONDS);
    }
  }

  /** Asks for a reconcile; requests arriving while one is pending are coalesced. */
  public void request() {
    if (started && !reconciler.isShutdown() && requested.compareAndSet(false, true)) {
      reconciler.execute(() -> {
        requested.set(false);
        try {
          if (reconcile() == Outcome.RETRY && !reconciler.isShutdown()) {
            reconciler.schedule(this::request, 200, TimeUnit.MILLISECONDS);
          }
        } catch (RuntimeException e) {
          LOG.warnf(e, "reconcile failed");
          if (!reconciler.isShutdown()) {
            reconciler.schedule(this::request, 500, TimeUnit.MILLISECONDS);
          }
        }
      });
    }
  }

  /** Periodic resync: recompute even if no event arrived (missed events, clock-driven changes). */
  @Scheduled(every = "${egressgw.controller.resync-interval:30s}", delayed = "10s")
  void resync() {
    if (started) {
      lastInputs = null;
      programs.resync();
      request();
    }
  }

  private void leadershipChanged(boolean leads) {
    Instant now = clock.instant();
    if (leads) {
      state.liveness().startGrace(now);
      state.programs().reset(now.toEpochMilli());
      reconciler.execute(() -> {
        assignment.clear();
        written.clear();
        programs.reset();
        lastInputs = null;
        for (NetworkGatewayGroup g : resources.gatewayGroups().list()) {
          if (g.getStatus() != null && g.getStatus().getFloatingIPs() != null) {
            assignment.putAll(g.getStatus().getFloatingIPs());
          }
        }
        LOG.infof("leading: starting from the recorded assignment %s, grace %s",
            assignment, state.liveness().window());
      });
      graceHandled = false;
      request();
    } else {
      state.programs().stop();
    }
  }

  /** Runs every check-interval: liveness verdicts, the end of the grace period, token issuance. */
  private void sweep() {
    try {
      Instant now = clock.instant();
      Set<String> names = new TreeSet<>();
      for (Node n : cluster.nodes()) {
        names.add(n.getMetadata().getName());
        if (tokenIssued.add(n.getMetadata().getName())) {
          auth.issue(n.getMetadata().getName());
        }
      }
      if (!leadership.isLeader()) {
        return;
      }
      boolean changed = false;
      for (AgentLiveness.Transition t : state.liveness().sweep(names, now)) {
        changed = true;
        if (!t.alive() && t.lastHeartbeat() == null) {
          // Alive only by a leader's grace period, never heard from: not a failover.
          LOG.debugf("node %s has no agent", t.node());
        } else if (!t.alive()) {
          Instant last = t.lastHeartbeat();
          metrics.detected(Duration.between(last, now));
          pendingFailovers.put(t.node(), last);
          LOG.infof("node %s is Down: no heartbeat for %d ms", t.node(),
              Duration.between(last, now).toMillis());
        } else {
          LOG.infof("node %s is Up", t.node());
        }
      }
      if (!graceHandled && !state.liveness().inGrace(now)) {
        graceHandled = true;
        changed = true;
      }
      if (changed) {
        request();
      }
    } catch (RuntimeException e) {
      LOG.warnf(e, "liveness sweep failed");
    }
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
    List<NetworkGatewayGroup> groups = new ArrayList<>(resources.gatewayGroups().list());
    groups.sort((a, b) -> key(a).compareTo(key(b)));
    PlacementSnapshot snapshot = snapshot(groups, now);
    Map<String, Long> generations = new HashMap<>();
    groups.forEach(g -> generations.put(key(g), g.getMetadata().getGeneration()));
    Object inputs = List.of(snapshot, generations);
    boolean placementUnchanged = inputs.equals(lastInputs) && pendingFailovers.isEmpty();
    if (placementUnchanged && !programs.pending()) {
      // Acknowledgements may still have moved policy status ("N of M nodes programmed").
      return programs.refreshPolicyStatus() ? Outcome.UNCHANGED : Outcome.RETRY;
    }
    boolean ok = true;
    PlacementResult result = lastPlacement;
    if (!placementUnchanged) {
      Placed placed = place(groups, snapshot, now);
      result = placed.result();
      ok = placed.written();
      if (ok) {
        // Placement and group status are done: a pod or policy event alone skips them next time.
        lastInputs = inputs;
        lastPlacement = result;
      }
    }
    ok &= programs.publish(result, now);
    scheduleRelease(programs.release(clock.instant()));
    releaseStartupTaints();
    return ok ? Outcome.RECONCILED : Outcome.RETRY;
  }

  /** A placement, and whether its group status was written (moves are recorded only then). */
  private record Placed(PlacementResult result, boolean written) {}

  /** Places the floating IPs, writes group status and, once written, records the moves. */
  private Placed place(List<NetworkGatewayGroup> groups, PlacementSnapshot snapshot, Instant now) {
    Map<String, Instant> handling = Map.copyOf(pendingFailovers);
    long t0 = System.nanoTime();
    PlacementResult result = FloatingIpPlacement.plan(snapshot);
    metrics.placed(Duration.ofNanos(System.nanoTime() - t0));

    boolean ok = true;
    Map<String, PlacementGroup> byKey = new HashMap<>();
    snapshot.groups().forEach(g -> byKey.put(g.key(), g));
    Map<String, NetworkGatewayGroup> groupOfIp = new HashMap<>();
    for (NetworkGatewayGroup g : groups) {
      PlacementGroup pg = byKey.get(key(g));
      pg.floatingIPs().forEach(ip -> groupOfIp.put(ip, g));
      NetworkGatewayGroupStatus desired = GroupStatuses.status(
          g.getMetadata().getGeneration(),
          result.floatingIPsOf(pg),
          result.unassignedOf(pg),
          FloatingIpPlacement.nodeStatus(snapshot, pg.key()),
          waitingForReport(g, snapshot),
          now,
          g.getStatus());
      ok &= writeStatus(g, desired);
    }
    if (!ok) {
      return new Placed(result, false);
    }
    Instant written = clock.instant();
    assignment.clear();
    assignment.putAll(result.assignment());
    publishedAssignment = Map.copyOf(result.assignment());
    for (FloatingIpMove move : result.moves()) {
      String kind = move.toNode() == null ? "unassigned"
          : move.fromNode() == null ? "assigned" : "failover";
      metrics.moved(kind);
      Instant lastBeat = move.fromNode() == null ? null : pendingFailovers.get(move.fromNode());
      if (lastBeat != null) {
        metrics.reassigned(Duration.between(lastBeat, written));
      }
      NetworkGatewayGroup g = groupOfIp.get(move.ip());
      if (g != null) {
        event(g, move, now);
      }
    }
    // The Down nodes seen by this reconcile have their IPs written elsewhere: failover done.
    handling.forEach(pendingFailovers::remove);
    return new Placed(result, true);
  }

  private PlacementSnapshot snapshot(List<NetworkGatewayGroup> groups, Instant now) {
    List<PlacementGroup> pgs = new ArrayList<>();
    Set<String> ips = new HashSet<>();
    for (NetworkGatewayGroup g : groups) {
      List<String> fips = g.getSpec() == null || g.getSpec().getFloatingIPs() == null
          ? List.of() : g.getSpec().getFloatingIPs();
      ips.addAll(fips);
      pgs.add(new PlacementGroup(key(g), fips,
          g.getSpec() == null || g.getSpec().getNodeSelector() == null
              ? Map.of() : g.getSpec().getNodeSelector()));
    }
    List<PlacementNode> nodes = new ArrayList<>();
    List<Node> cached = new ArrayList<>(cluster.nodes());
    cached.sort((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()));
    for (Node n : cached) {
      ClusterCache.NodeFacts f = ClusterCache.facts(n);
      List<String> subnets = state.liveness().report(f.name()).map(NodeReport::subnets).orElse(List.of());
      nodes.add(new PlacementNode(f.name(), f.labels(), f.controlPlane(), subnets,
          f.ready() && state.liveness().alive(f.name(), now)));
    }
    Map<String, String> current = new LinkedHashMap<>();
    assignment.forEach((ip, node) -> {
      if (ips.contains(ip)) {
        current.put(ip, node);
      }
    });
    return new PlacementSnapshot(pgs, nodes, current);
  }

  /** Nodes that match the group's selector but have no agent report yet. */
  private List<String> waitingForReport(NetworkGatewayGroup g, PlacementSnapshot snapshot) {
    Map<String, String> selector = g.getSpec() == null || g.getSpec().getNodeSelector() == null
        ? Map.of() : g.getSpec().getNodeSelector();
    List<String> out = new ArrayList<>();
    for (PlacementNode n : snapshot.nodes()) {
      if (n.subnets().isEmpty() && n.labels().entrySet().containsAll(selector.entrySet())) {
        out.add(n.name());
      }
    }
    return out;
  }

  private boolean writeStatus(NetworkGatewayGroup g, NetworkGatewayGroupStatus desired) {
    String key = key(g);
    NetworkGatewayGroupStatus last = written.get(key);
    if (GroupStatuses.same(desired, last) || (last == null && GroupStatuses.same(desired, g.getStatus()))) {
      return true;
    }
    if (!leadership.isLeader()) {
      return false;
    }
    try {
      client.resources(NetworkGatewayGroup.class)
          .inNamespace(g.getMetadata().getNamespace())
          .withName(g.getMetadata().getName())
          .editStatus(cur -> {
            cur.setStatus(desired);
            return cur;
          });
      written.put(key, desired);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        written.remove(key);
        return true;
      }
      LOG.warnf("status of %s not written: %s", key, e.getMessage());
      return false;
    }
  }

  private void event(NetworkGatewayGroup g, FloatingIpMove move, Instant now) {
    if (!leadership.isLeader()) {
      return;
    }
    String ns = g.getMetadata().getNamespace();
    String reason = move.toNode() == null ? "FloatingIPUnassigned"
        : move.fromNode() == null ? "FloatingIPAssigned" : "FloatingIPMoved";
    String message = move.ip() + ": " + (move.fromNode() == null ? "-" : move.fromNode()) + " -> "
        + (move.toNode() == null ? "-" : move.toNode()) + " (" + move.reason() + ")";
    Event e = new EventBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(g.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(NetworkGatewayGroup.API_VERSION)
            .withKind(NetworkGatewayGroup.KIND)
            .withNamespace(ns)
            .withName(g.getMetadata().getName())
            .withUid(g.getMetadata().getUid())
            .build())
        .withReason(reason)
        .withMessage(message)
        .withType(move.toNode() == null || move.fromNode() != null ? "Warning" : "Normal")
        .withFirstTimestamp(now.toString())
        .withLastTimestamp(now.toString())
        .withCount(1)
        .withNewSource().withComponent("egressgw-controller").endSource()
        .withReportingComponent("egressgw-controller")
        .build();
    try {
      client.v1().events().inNamespace(ns).resource(e).create();
    } catch (KubernetesClientException ex) {
      LOG.warnf("event for %s not written: %s", move.ip(), ex.getMessage());
    }
  }

  /** The current assignment (ip -> node) as last written; for tests and the benchmark. */
  public Map<String, String> assignment() {
    return publishedAssignment;
  }

  static String key(NetworkGatewayGroup g) {
    return g.getMetadata().getNamespace() + "/" + g.getMetadata().getName();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
    return (ResourceEventHandler) h;
  }

  /** Daemon threads named {@code name}. */
  static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}

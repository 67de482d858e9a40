package io.egressgw.controller;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.ResourceCache;
import io.egressgw.placement.PlacementResult;
import io.egressgw.policy.CompilerInput;
import io.egressgw.policy.GatewayInput;
import io.egressgw.policy.IncrementalCompiler;
import io.egressgw.policy.NamespaceInput;
import io.egressgw.policy.NodeInput;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.PolicyInput;
import io.egressgw.policy.PolicyOutcome;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.egressgw.tracing.TracedWrites;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opentelemetry.api.trace.Tracer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The reconcile steps after placement (reconcile thread only): keep the policy compiler ({@link
 * IncrementalCompiler}) up to date with the informer caches, hand the programs that changed to the
 * {@link ProgramDistributor} in {@link Rollout} order (gateways first; a node's generation moves
 * only when its state changed, which wakes its agent's long-poll), and write each EgressNATPolicy's
 * status ({@link PolicyStatuses}).
 *
 * <p>Incremental: informer events name the Pods and Namespaces that changed ({@link #changed}); a
 * reconcile feeds only those to the compiler, plus the (few) policies, gateway groups and nodes,
 * which it compares whole, and the new floating IP assignment. The compiler answers with the nodes
 * whose program changed; only those are materialised and published. The compiler is built from
 * scratch (a full compile) when leadership starts; a resync re-feeds every object (unchanged ones
 * cost a comparison) and drops those the caches no longer have, repairing any missed event.
 *
 * <p>Tracing on: the first publish whose caches reflect a traced REST write ({@link TracedWrites})
 * opens a "program rollout" span in that write's trace ({@link RolloutSpans}), which ends when the
 * rollout holds nothing any more.
 */
@ApplicationScoped
public class ProgramStage {
  private static final Logger LOG = Logger.getLogger(ProgramStage.class);

  @Inject ChannelState state;
  @Inject ClusterCache cluster;
  @Inject ResourceCache resources;
  @Inject KubernetesClient client;
  @Inject Leadership leadership;
  @Inject ControllerMetrics metrics;
  @Inject ChannelSettings settings;
  @Inject Clock clock;
  @Inject TracedWrites traced;
  @Inject Tracer tracer;

  /**
   * The cluster's service CIDRs: destinations never steered, like pod CIDRs and node addresses
   * (ARCHITECTURE "In-cluster destinations"); the CIDRs of ServiceCIDR objects join them where the
   * cluster serves networking.k8s.io/v1 ServiceCIDR.
   */
  @ConfigProperty(name = "egressgw.controller.service-cidrs")
  Optional<List<String>> serviceCidrs;

  /** Further destinations the operator excludes from every policy (never steered nor SNATed). */
  @ConfigProperty(name = "egressgw.dataplane.excluded-cidrs")
  Optional<List<String>> excludedCidrs;

  // Written by informer threads, drained by the reconcile thread.
  private final Set<String> dirtyPods = ConcurrentHashMap.newKeySet();
  private final Set<String> dirtyNamespaces = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean dirty = new AtomicBoolean(true);
  private volatile boolean refeed;

  // Reconcile-thread state.
  private IncrementalCompiler compiler;
  private Map<String, Integer> egressIds = Map.of();
  private Rollout rollout;
  private final Map<String, Set<String>> policiesOfNode = new HashMap<>();
  private final Map<String, Set<String>> nodesOfPolicy = new HashMap<>();
  private Map<String, List<String>> standbyForOfNode = Map.of(); // as last published
  private StatusWriter<EgressNATPolicyStatus, EgressNATPolicy> statuses;
  private RolloutSpans spans;

  @PostConstruct
  void init() {
    statuses =
        new StatusWriter<>(EgressNATPolicy.class, PolicyStatuses::same, client, leadership, clock);
    spans = new RolloutSpans(tracer);
  }

  /** An informer or heartbeat saw a change of {@code kind}; {@code key} names the object. */
  public void changed(ChangeKind kind, String key) {
    switch (kind) {
      case POD -> dirtyPods.add(key);
      case NAMESPACE -> dirtyNamespaces.add(key);
      case NODE, SERVICE_CIDR, CUSTOM_RESOURCE -> {} // compared whole on every publish
    }
    dirty.set(true);
  }

  /** True when some input changed since the last {@link #publish} (or nothing was compiled yet). */
  public boolean pending() {
    return dirty.get();
  }

  /** The next publish re-feeds every object from the caches (periodic resync). */
  public void resync() {
    refeed = true;
    dirty.set(true);
  }

  /**
   * Brings the compiler up to date with the caches and {@code placement} and hands the changed
   * programs to the rollout (gateways first; {@link #release} sends them). Writes nothing to the
   * API server: policy status is {@link #refreshPolicyStatus}'s, after the programs are out.
   */
  public void publish(PlacementResult placement, Instant now) {
    // Before the caches are read: a write they reflect now is compiled by this publish.
    spans.compiling(traced.takeVisible(this::cached, now));
    dirty.set(false);
    long t0 = System.nanoTime();
    Set<String> changed;
    if (compiler == null) {
      dirtyPods.clear();
      dirtyNamespaces.clear();
      refeed = false;
      compiler =
          IncrementalCompiler.of(
              new CompilerInput(
                  policyInputs(),
                  gatewayInputs(),
                  CompilerInputs.namespaces(cluster.namespaces()),
                  CompilerInputs.pods(cluster.pods()),
                  nodeInputs(),
                  placement.assignment(),
                  excludedPrefixes()),
              egressIds);
      changed = compiler.nodeNames();
    } else {
      changed = feed(placement);
    }
    // The standby set is placement's, not the compiler's: a node whose set changed gets a new
    // program even when nothing else in it did.
    Map<String, List<String>> standbyFor = standbyForOfNode(placement.standbys());
    if (!standbyFor.equals(standbyForOfNode)) {
      Set<String> nodes = new TreeSet<>(standbyFor.keySet());
      nodes.addAll(standbyForOfNode.keySet());
      for (String node : nodes) {
        if (!standbyFor
            .getOrDefault(node, List.of())
            .equals(standbyForOfNode.getOrDefault(node, List.of()))) {
          changed = new TreeSet<>(changed);
          changed.add(node);
        }
      }
      standbyForOfNode = standbyFor;
    }
    Map<String, NodeProgram> programs = new TreeMap<>();
    for (String node : changed) {
      NodeProgram program = compiler.programFor(node);
      if (program != null) {
        programs.put(node, program.withStandbyFor(standbyFor.getOrDefault(node, List.of())));
      }
    }
    metrics.compiled(Duration.ofNanos(System.nanoTime() - t0));
    spans.offered(programs.size());
    egressIds = compiler.egressIds();
    for (String node : changed) {
      carriers(node, programs.get(node));
      if (!programs.containsKey(node)) {
        rollout().drop(node);
        state.programs().remove(node);
      }
    }
    // a source that steered to a gateway declared Down switches at once, beside the new holder
    Map<String, Boolean> verdicts = state.liveness().verdicts();
    rollout()
        .offer(
            programs,
            node -> state.programs().program(node).orElse(null),
            node -> Boolean.FALSE.equals(verdicts.get(node)));
  }

  /** node -> the floating IPs it stands by for, sorted, from placement's ip -> standby. */
  static Map<String, List<String>> standbyForOfNode(Map<String, String> standbys) {
    Map<String, List<String>> out = new TreeMap<>();
    standbys.forEach((ip, node) -> out.computeIfAbsent(node, k -> new ArrayList<>()).add(ip));
    out.values().forEach(ips -> ips.sort(null));
    return out;
  }

  /** Feeds what changed since the last publish to the compiler; returns the changed nodes. */
  private Set<String> feed(PlacementResult placement) {
    Set<String> changed = new TreeSet<>();
    IncrementalCompiler c = compiler;
    Set<String> goneGateways = c.gatewayKeys();
    for (GatewayInput g : gatewayInputs()) {
      goneGateways.remove(g.key());
      changed.addAll(c.gatewayUpserted(g));
    }
    goneGateways.forEach(k -> changed.addAll(c.gatewayDeleted(k)));
    Set<String> gonePolicies = c.policyNames();
    for (PolicyInput p : policyInputs()) {
      gonePolicies.remove(p.name());
      changed.addAll(c.policyUpserted(p));
    }
    gonePolicies.forEach(k -> changed.addAll(c.policyDeleted(k)));
    Set<String> goneNodes = c.nodeNames();
    for (NodeInput n : nodeInputs()) {
      goneNodes.remove(n.name());
      changed.addAll(c.nodeUpserted(n));
    }
    goneNodes.forEach(k -> changed.addAll(c.nodeDeleted(k)));
    changed.addAll(c.excludedPrefixesChanged(excludedPrefixes()));
    boolean all = refeed;
    refeed = false;
    Set<String> namespaces =
        all ? union(c.namespaceNames(), names(cluster.namespaces())) : drain(dirtyNamespaces);
    for (String name : namespaces) {
      Namespace ns = cluster.namespace(name);
      changed.addAll(
          ns == null
              ? c.namespaceDeleted(name)
              : c.namespaceUpserted(new NamespaceInput(name, ClusterCache.labels(ns))));
    }
    Set<String> pods = all ? union(c.podKeys(), names(cluster.pods())) : drain(dirtyPods);
    for (String key : pods) {
      PodInput in = CompilerInputs.pod(cluster.pod(key));
      if (in == null) {
        int slash = key.indexOf('/');
        changed.addAll(c.podDeleted(key.substring(0, slash), key.substring(slash + 1)));
      } else {
        changed.addAll(c.podUpserted(in));
      }
    }
    changed.addAll(c.assignmentChanged(placement.assignment()));
    return changed;
  }

  /**
   * Releases held programs whose step has come (called after publish and on every acknowledgement);
   * returns when to call again while some are still held.
   */
  public Optional<Instant> release(Instant now) {
    ProgramDistributor d = state.programs();
    Optional<Instant> next =
        rollout()
            .release(
                now,
                node ->
                    !d.programmed(node)
                        && state.liveness().alive(node, now)
                        && state.liveness().report(node).isPresent(),
                batch -> {
                  List<String> published = d.publish(batch);
                  spans.published(published.size(), highestGeneration(d, published));
                  return published;
                });
    Set<String> passedOver = rollout().takePassedOver();
    if (!passedOver.isEmpty()) {
      LOG.warnf(
          "rollout went on without the acknowledgement of %s after %s: nodes that steer to them"
              + " may do so before they apply their programs",
          passedOver, settings.rolloutStepTimeout());
    }
    if (next.isEmpty()) {
      spans.released();
    }
    return next;
  }

  private static long highestGeneration(ProgramDistributor d, List<String> nodes) {
    long highest = 0;
    for (String node : nodes) {
      highest = Math.max(highest, d.program(node).map(NodeProgram::generation).orElse(0L));
    }
    return highest;
  }

  /** True when the informer cache holds the object as a traced write left it. */
  private boolean cached(TracedWrites.Write w) {
    if (w.kind().equals(NetworkGatewayGroup.class.getSimpleName())) {
      return ResourceCache.reflects(resources.gatewayGroups(), w.key(), w.resourceVersion());
    }
    if (w.kind().equals(EgressNATPolicy.class.getSimpleName())) {
      return ResourceCache.reflects(resources.egressPolicies(), w.key(), w.resourceVersion());
    }
    return true; // no cache to wait for: compiled as it is
  }

  private Rollout rollout() {
    if (rollout == null) {
      rollout = new Rollout(settings.rolloutStepTimeout());
    }
    return rollout;
  }

  private void carriers(String node, NodeProgram program) {
    Set<String> before = policiesOfNode.getOrDefault(node, Set.of());
    Set<String> after = new HashSet<>();
    if (program != null) {
      program.egresses().values().forEach(e -> after.add(e.policy()));
    }
    for (String p : before) {
      if (!after.contains(p)) {
        Set<String> nodes = nodesOfPolicy.get(p);
        if (nodes != null && nodes.remove(node) && nodes.isEmpty()) {
          nodesOfPolicy.remove(p);
        }
      }
    }
    after.forEach(p -> nodesOfPolicy.computeIfAbsent(p, k -> new HashSet<>()).add(node));
    if (after.isEmpty()) {
      policiesOfNode.remove(node);
    } else {
      policiesOfNode.put(node, after);
    }
  }

  private List<PolicyInput> policyInputs() {
    return CompilerInputs.policies(resources.egressPolicies().list());
  }

  private List<GatewayInput> gatewayInputs() {
    return CompilerInputs.gateways(resources.gatewayGroups().list());
  }

  private List<String> excludedPrefixes() {
    return CompilerInputs.excludedPrefixes(
        cluster.nodes(),
        CompilerInputs.serviceCidrs(serviceCidrs.orElse(List.of()), cluster.serviceCidrs()),
        excludedCidrs.orElse(List.of()));
  }

  private List<NodeInput> nodeInputs() {
    return CompilerInputs.nodes(cluster.nodes(), state.liveness());
  }

  private static Set<String> drain(Set<String> keys) {
    Set<String> out = new TreeSet<>();
    for (var it = keys.iterator(); it.hasNext(); ) {
      out.add(it.next());
      it.remove();
    }
    return out;
  }

  private static Set<String> union(Set<String> known, Set<String> cached) {
    known.addAll(cached);
    return known;
  }

  private static Set<String> names(List<? extends HasMetadata> objects) {
    Set<String> out = new HashSet<>();
    objects.forEach(o -> out.add(ClusterCache.key(o)));
    return out;
  }

  /**
   * Rewrites policy status where it changed (e.g. more nodes acknowledged); cheap when nothing did.
   * False when something is left to write: a failed write, or rollout progress held back until
   * {@link PolicyStatuses#PROGRESS_INTERVAL} has passed (the caller retries).
   */
  public boolean refreshPolicyStatus() {
    IncrementalCompiler c = compiler;
    if (c == null) {
      return true;
    }
    boolean ok = true;
    ProgramDistributor d = state.programs();
    Rollout r = rollout();
    List<EgressNATPolicyStatus> computed = new ArrayList<>();
    for (EgressNATPolicy p : resources.egressPolicies().list()) {
      String name = p.getMetadata().getName();
      PolicyOutcome outcome = c.outcome(name);
      if (outcome == null) {
        computed.add(null); // not compiled yet: Unknown
        continue;
      }
      Set<String> carriers = nodesOfPolicy.getOrDefault(outcome.policy(), Set.of());
      int programmed = (int) carriers.stream().filter(n -> !r.holds(n) && d.programmed(n)).count();
      Map<String, String> applyErrors = new TreeMap<>();
      for (String n : carriers) {
        if (!d.programmed(n)) {
          state
              .liveness()
              .report(n)
              .map(NodeReport::applyError)
              .ifPresent(e -> applyErrors.put(n, e));
        }
      }
      Instant now = clock.instant();
      EgressNATPolicyStatus desired =
          PolicyStatuses.status(p, outcome, programmed, carriers.size(), applyErrors, now);
      computed.add(desired);
      if (PolicyStatuses.onlyProgress(statuses.lastWritten(p), desired)
          && now.isBefore(statuses.lastWrittenAt(p).plus(PolicyStatuses.PROGRESS_INTERVAL))) {
        ok = false; // written by the retry the caller schedules (or the next acknowledgement)
        continue;
      }
      ok &= statuses.write(p, desired);
    }
    metrics.policyStates(computed);
    return ok;
  }

  /** A new leadership: nothing known written or delivered; the next publish compiles all. */
  public void reset() {
    spans.abandoned();
    traced.clear();
    statuses.clear();
    compiler = null;
    standbyForOfNode = Map.of();
    rollout().clear();
    policiesOfNode.clear();
    nodesOfPolicy.clear();
    dirty.set(true);
  }
}

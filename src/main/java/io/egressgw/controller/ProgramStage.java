package io.egressgw.controller;

import io.egressgw.api.v1.Destination;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.SourceRule;
import io.egressgw.kube.ResourceCache;
import io.egressgw.placement.PlacementResult;
import io.egressgw.policy.CompilerInput;
import io.egressgw.policy.GatewayInput;
import io.egressgw.policy.NamespaceInput;
import io.egressgw.policy.NodeInput;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.IncrementalCompiler;
import io.egressgw.policy.PolicyInput;
import io.egressgw.policy.PolicyOutcome;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The reconcile steps after placement (reconcile thread only): keep the policy compiler ({@link
 * IncrementalCompiler}) up to date with the informer caches, hand the programs that changed to the
 * {@link ProgramDistributor} in {@link Rollout} order (gateways first; a node's generation moves only
 * when its state changed, which wakes its agent's long-poll), and write each EgressNATPolicy's
 * status: observedGeneration, egressIP, gatewayNode, and the conditions
 *
 * <ul>
 *   <li>Accepted: the policy's gateway exists and has a floating IP (else False with the
 *       compiler's reason); invalid destinations are named in the message.
 *   <li>Programmed: every node whose program carries the policy acknowledged it ("N of M nodes
 *       programmed") and the egress IP has a holder; False (Pending / NoGateway) otherwise.
 * </ul>
 *
 * <p>Incremental: informer events name the Pods and Namespaces that changed ({@link #changed}); a
 * reconcile feeds only those to the compiler, plus the (few) policies, gateway groups and nodes,
 * which it compares whole, and the new floating IP assignment. The compiler answers with the nodes
 * whose program changed; only those are materialised and published. The compiler is built from
 * scratch (a full compile) when leadership starts; a resync re-feeds every object (unchanged ones
 * cost a comparison) and drops those the caches no longer have, repairing any missed event.
 */
@ApplicationScoped
public class ProgramStage {
  private static final Logger LOG = Logger.getLogger(ProgramStage.class);
  public static final String ACCEPTED = "Accepted";
  public static final String PROGRAMMED = "Programmed";

  @Inject ChannelState state;
  @Inject ClusterCache cluster;
  @Inject ResourceCache resources;
  @Inject KubernetesClient client;
  @Inject Leadership leadership;
  @Inject ControllerMetrics metrics;
  @Inject ChannelSettings settings;

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
  private final Map<String, EgressNATPolicyStatus> written = new HashMap<>();
  private final Map<String, Instant> writtenAt = new HashMap<>();

  /** An informer saw a relevant change: kind Pod, Namespace, Node, policy or gateway, and its key. */
  public void changed(String kind, String key) {
    switch (kind) {
      case "Pod" -> dirtyPods.add(key);
      case "Namespace" -> dirtyNamespaces.add(key);
      default -> { }
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
   * Brings the compiler up to date with the caches and {@code placement}, releases the changed
   * programs (gateways first), then writes policy status; false when a write must be retried.
   */
  public boolean publish(PlacementResult placement, Instant now) {
    dirty.set(false);
    long t0 = System.nanoTime();
    Set<String> changed;
    if (compiler == null) {
      dirtyPods.clear();
      dirtyNamespaces.clear();
      refeed = false;
      compiler = IncrementalCompiler.of(new CompilerInput(policyInputs(), gatewayInputs(),
          namespaceInputs(), podInputs(), nodeInputs(), placement.assignment()), egressIds);
      changed = compiler.nodeNames();
    } else {
      changed = feed(placement);
    }
    Map<String, NodeProgram> programs = new TreeMap<>();
    for (String node : changed) {
      NodeProgram program = compiler.programFor(node);
      if (program != null) {
        programs.put(node, program);
      }
    }
    metrics.compiled(Duration.ofNanos(System.nanoTime() - t0));
    egressIds = compiler.egressIds();
    for (String node : changed) {
      carriers(node, programs.get(node));
      if (!programs.containsKey(node)) {
        rollout().drop(node);
        state.programs().remove(node);
      }
    }
    rollout().offer(programs, node -> state.programs().program(node).orElse(null));
    return refreshPolicyStatus();
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
    boolean all = refeed;
    refeed = false;
    Set<String> namespaces = all ? union(c.namespaceNames(), names(cluster.namespaces())) : drain(dirtyNamespaces);
    for (String name : namespaces) {
      Namespace ns = cluster.namespace(name);
      changed.addAll(ns == null ? c.namespaceDeleted(name)
          : c.namespaceUpserted(new NamespaceInput(name, ClusterCache.labels(ns))));
    }
    Set<String> pods = all ? union(c.podKeys(), names(cluster.pods())) : drain(dirtyPods);
    for (String key : pods) {
      PodInput in = podInput(cluster.pod(key));
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
    return rollout().release(now,
        node -> !d.programmed(node) && state.liveness().alive(node, now)
            && state.liveness().report(node).isPresent(),
        d::publish);
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
    List<PolicyInput> policies = new ArrayList<>();
    for (EgressNATPolicy p : resources.egressPolicies().list()) {
      if (p.getSpec() == null) {
        continue;
      }
      List<PolicyInput.Rule> rules = new ArrayList<>();
      for (SourceRule r : p.getSpec().getSources() == null ? List.<SourceRule>of() : p.getSpec().getSources()) {
        rules.add(new PolicyInput.Rule(
            r.getNamespaceSelector() == null ? null : r.getNamespaceSelector().getMatchLabels(),
            r.getPodSelector() == null ? null : r.getPodSelector().getMatchLabels()));
      }
      List<String> cidrs = p.getSpec().getDestinations() == null ? List.of()
          : p.getSpec().getDestinations().stream().map(Destination::getCidr).filter(Objects::nonNull).toList();
      String gateway = p.getSpec().getGatewayRef() == null ? null
          : p.getSpec().getGatewayRef().getNamespace() + "/" + p.getSpec().getGatewayRef().getName();
      policies.add(new PolicyInput(p.getMetadata().getName(), rules, cidrs, gateway));
    }
    policies.sort(Comparator.comparing(PolicyInput::name));
    return policies;
  }

  private List<GatewayInput> gatewayInputs() {
    List<GatewayInput> gateways = new ArrayList<>();
    for (NetworkGatewayGroup g : resources.gatewayGroups().list()) {
      gateways.add(new GatewayInput(ControllerRuntime.key(g),
          g.getSpec() == null || g.getSpec().getFloatingIPs() == null ? List.of() : g.getSpec().getFloatingIPs()));
    }
    gateways.sort(Comparator.comparing(GatewayInput::key));
    return gateways;
  }

  private List<NamespaceInput> namespaceInputs() {
    List<NamespaceInput> namespaces = new ArrayList<>();
    for (Namespace n : cluster.namespaces()) {
      namespaces.add(new NamespaceInput(n.getMetadata().getName(), ClusterCache.labels(n)));
    }
    namespaces.sort(Comparator.comparing(NamespaceInput::name));
    return namespaces;
  }

  private List<PodInput> podInputs() {
    List<PodInput> pods = new ArrayList<>();
    for (Pod p : cluster.pods()) {
      PodInput in = podInput(p);
      if (in != null) {
        pods.add(in);
      }
    }
    pods.sort(Comparator.comparing(PodInput::key));
    return pods;
  }

  /** The compiler's view of a pod; null when it sends nothing of its own (gone, hostNetwork, finished). */
  static PodInput podInput(Pod p) {
    if (p == null) {
      return null;
    }
    ClusterCache.PodFacts f = ClusterCache.facts(p);
    if (f.hostNetwork() || "Succeeded".equals(f.phase()) || "Failed".equals(f.phase())) {
      return null;
    }
    return new PodInput(f.namespace(), f.name(), f.labels(), f.ip(), f.node());
  }

  private List<NodeInput> nodeInputs() {
    List<NodeInput> nodes = new ArrayList<>();
    for (Node n : cluster.nodes()) {
      ClusterCache.NodeFacts f = ClusterCache.facts(n);
      String ip = state.liveness().report(f.name()).map(NodeReport::nodeIP).orElse(f.internalIP());
      nodes.add(new NodeInput(f.name(), ip));
    }
    nodes.sort(Comparator.comparing(NodeInput::name));
    return nodes;
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

  /** Rewrites policy status where it changed (e.g. more nodes acknowledged); cheap when nothing did. */
  public boolean refreshPolicyStatus() {
    IncrementalCompiler c = compiler;
    if (c == null) {
      return true;
    }
    boolean ok = true;
    ProgramDistributor d = state.programs();
    Rollout r = rollout();
    for (EgressNATPolicy p : resources.egressPolicies().list()) {
      PolicyOutcome outcome = c.outcome(p.getMetadata().getName());
      if (outcome == null) {
        continue;
      }
      Set<String> carriers = nodesOfPolicy.getOrDefault(outcome.policy(), Set.of());
      int programmed = (int) carriers.stream().filter(n -> !r.holds(n) && d.programmed(n)).count();
      Instant now = Instant.now();
      EgressNATPolicyStatus desired = status(p, outcome, programmed, carriers.size(), now);
      if (onlyProgress(written.get(p.getMetadata().getName()), desired)
          && now.isBefore(writtenAt.getOrDefault(p.getMetadata().getName(), Instant.MIN).plus(PROGRESS_INTERVAL))) {
        ok = false; // written by the retry the caller schedules (or the next acknowledgement)
        continue;
      }
      ok &= write(p, desired);
    }
    return ok;
  }

  /**
   * While a rollout is under way, "N of M nodes programmed" changes with every acknowledgement; such
   * progress is written at most every {@link #PROGRESS_INTERVAL}, so that a rollout to 1,000 nodes
   * does not turn into hundreds of status writes. The final Programmed True, and any other change,
   * is written at once.
   */
  static final java.time.Duration PROGRESS_INTERVAL = java.time.Duration.ofMillis(250);

  static boolean onlyProgress(EgressNATPolicyStatus lastWritten, EgressNATPolicyStatus desired) {
    return lastWritten != null
        && "Pending".equals(programmedReason(lastWritten))
        && "Pending".equals(programmedReason(desired))
        && Objects.equals(lastWritten.getObservedGeneration(), desired.getObservedGeneration())
        && Objects.equals(lastWritten.getEgressIP(), desired.getEgressIP())
        && Objects.equals(lastWritten.getGatewayNode(), desired.getGatewayNode());
  }

  private static String programmedReason(EgressNATPolicyStatus s) {
    if (s.getConditions() == null) {
      return null;
    }
    return s.getConditions().stream().filter(c -> PROGRAMMED.equals(c.getType()))
        .map(io.fabric8.kubernetes.api.model.Condition::getReason).findFirst().orElse(null);
  }

  static EgressNATPolicyStatus status(
      EgressNATPolicy p, PolicyOutcome o, int programmed, int carriers, Instant now) {
    Long generation = p.getMetadata().getGeneration();
    var before = p.getStatus() == null ? null : p.getStatus().getConditions();
    String invalid = o.invalidCidrs().isEmpty() ? "" : " Ignored invalid destinations: " + String.join(", ", o.invalidCidrs()) + ".";
    var accepted = o.applied()
        ? Conditions.of(ACCEPTED, true, "Accepted", "The gateway resolves to egress IP " + o.egressIP() + "." + invalid, generation, now, before)
        : Conditions.of(ACCEPTED, false, "GatewayUnavailable", o.message(), generation, now, before);
    String counted = programmed + " of " + carriers + " nodes programmed";
    var programmedCondition =
        !o.applied() ? Conditions.of(PROGRAMMED, false, "NotAccepted", counted + ". " + o.message(), generation, now, before)
        : !o.ready() ? Conditions.of(PROGRAMMED, false, "NoGateway", counted + ". " + o.message(), generation, now, before)
        : programmed < carriers ? Conditions.of(PROGRAMMED, false, "Pending", counted + ".", generation, now, before)
        : Conditions.of(PROGRAMMED, true, "Programmed", counted + ".", generation, now, before);
    EgressNATPolicyStatus s = new EgressNATPolicyStatus();
    s.setObservedGeneration(generation);
    s.setEgressIP(o.egressIP());
    s.setGatewayNode(o.gatewayNode());
    s.setConditions(Conditions.list(accepted, programmedCondition));
    return s;
  }

  static boolean same(EgressNATPolicyStatus a, EgressNATPolicyStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(a.getEgressIP(), b.getEgressIP())
        && Objects.equals(a.getGatewayNode(), b.getGatewayNode())
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Conditions.same(a.getConditions(), b.getConditions());
  }

  private boolean write(EgressNATPolicy p, EgressNATPolicyStatus desired) {
    String name = p.getMetadata().getName();
    EgressNATPolicyStatus lastWritten = written.get(name);
    if (same(desired, lastWritten) || (lastWritten == null && same(desired, p.getStatus()))) {
      return true;
    }
    if (!leadership.isLeader()) {
      return false;
    }
    try {
      client.resources(EgressNATPolicy.class).withName(name).editStatus(cur -> {
        cur.setStatus(desired);
        return cur;
      });
      written.put(name, desired);
      writtenAt.put(name, Instant.now());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        written.remove(name);
        return true;
      }
      LOG.warnf("status of policy %s not written: %s", name, e.getMessage());
      return false;
    }
  }

  /** A new leadership: nothing is known to be written or delivered; the next publish compiles all. */
  public void reset() {
    written.clear();
    writtenAt.clear();
    compiler = null;
    rollout().clear();
    policiesOfNode.clear();
    nodesOfPolicy.clear();
    dirty.set(true);
  }
}

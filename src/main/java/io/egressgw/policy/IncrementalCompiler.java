package io.egressgw.policy;

import io.egressgw.program.NodeProgram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The policy compiler, kept in memory between events: (policies, gateways, namespaces, pods, nodes,
 * floating IP assignment) -> one {@link NodeProgram} per node. Pure: no I/O, no clock.
 *
 * <p>Every event method returns exactly the known nodes whose program changed (sorted); {@link
 * #programFor} returns the current program, built lazily and cached until the node changes again,
 * so the caller decides when to pay for building (e.g. once per push round).
 *
 * <p>How: every node has a view (the sources it shows and the rule sets they use). A pod is shown
 * on its own node and on the gateway nodes of the policies selecting it. Pod and namespace events
 * update the affected views in place and record what they looked like before the event, so the
 * change test costs work proportional to the pod, not to the node or the cluster. Rarer events
 * (policies, gateways, nodes, floating IP moves) may also change routes, egresses or floating IPs:
 * they snapshot the affected programs first and compare whole programs afterwards. Property tests
 * check that after any sequence of events the programs equal a full compile ({@link
 * PolicyCompiler#compile}) of the final state and a naive oracle, and that each event reports
 * exactly the nodes whose program changed.
 *
 * <p>Pods: only pods with an address are programmed; pods with a node unknown to the compiler are
 * still shown on their gateways. Every pod with an address is shown on its own node, an unselected
 * one with rule set 0 (no routes): the node's dataplane drops traffic to guarded destinations
 * (every policy's prefixes, {@link NodeProgram#guardedPrefixes}) from a pod it does not know yet,
 * so a pod whose node is programmed late cannot leave with the node's address. Two pods claiming
 * one address on one node (a recycled IP): the lexicographically smaller {@code namespace/name} is
 * shown. A policy whose gateway group is missing or has no floating IP selects nothing ("not
 * applied"); a policy whose egress IP no node holds is programmed with an egress without gateway,
 * and the dataplane drops its traffic (fail closed).
 *
 * <p>Ids:
 *
 * <ul>
 *   <li>Egress id (in packet marks): allocated when a policy first appears, the lowest free id in
 *       1..65535, kept until the policy is deleted. Seed the allocator with the previous ids (e.g.
 *       from the policies' status) to keep them across controller restarts; a full compile
 *       allocates new policies in name order.
 *   <li>Rule set id: one per distinct set of policies selecting a pod, shared by all nodes, kept
 *       while any pod has that set; the lowest free id when a new set appears. A full compile
 *       numbers the sets in a canonical order, so equal inputs give equal programs.
 * </ul>
 *
 * <p>Identical prefixes: when two policies selecting the same pod claim the same prefix, the policy
 * with the lexicographically smallest name wins; the loser's outcome lists it. Different prefix
 * lengths coexist (longest prefix match in the dataplane).
 *
 * <p>Structure: this class is the event interface; each event is a short script over
 * package-private parts with one job each: {@link NodeViews} (what each node shows, and which
 * programs an event changed), {@link RuleSets} and {@link RuleSet} (sets of policies selecting a
 * pod, their ids and routes), {@link Namespaces} (namespaces, their label index and candidate
 * policies), {@link PolicyEgresses} (where each policy's traffic leaves, and the gateway groups),
 * {@link FloatingIpIndex} (placement's assignment), {@link GuardedPrefixes}, {@link
 * EgressIdAllocator} and {@link PolicyOutcomes}.
 *
 * <p>Not thread-safe: the controller feeds events from one thread.
 */
public final class IncrementalCompiler {
  private final Set<String> nodes = new HashSet<>();
  private final Map<String, String> nodeIps = new HashMap<>();
  private final Map<String, PodState> pods = new HashMap<>();
  private final Map<String, PolicyState> policies = new HashMap<>();
  private final EgressIdAllocator egressIdAllocator;
  private final RuleSets ruleSets = new RuleSets();
  private final GuardedPrefixes guard = new GuardedPrefixes();
  private final FloatingIpIndex floating = new FloatingIpIndex();
  private final PolicyEgresses egresses = new PolicyEgresses(floating, nodeIps);
  private final Namespaces namespaces = new Namespaces(policies.values());
  private final ExcludedPrefixes excluded = new ExcludedPrefixes();
  private final NodeViews views = new NodeViews(nodes, floating, guard, excluded);
  private final PolicyOutcomes outcomes = new PolicyOutcomes(nodes, views, egresses);

  /** An empty compiler; egress ids start at 1. */
  public IncrementalCompiler() {
    this(Map.of());
  }

  /** An empty compiler that will give these policies these egress ids when they appear. */
  public IncrementalCompiler(Map<String, Integer> egressIdSeed) {
    this.egressIdAllocator = new EgressIdAllocator(egressIdSeed);
  }

  /** Loads a complete state at once (the full compile); returns a compiler ready for events. */
  public static IncrementalCompiler of(CompilerInput in, Map<String, Integer> egressIdSeed) {
    IncrementalCompiler c = new IncrementalCompiler(egressIdSeed);
    c.load(in);
    return c;
  }

  /** The program of {@code node} (generation 0), or null when the node is unknown. */
  public NodeProgram programFor(String node) {
    return nodes.contains(node) ? views.program(node) : null;
  }

  /** Every current program by node. */
  public Map<String, NodeProgram> programs() {
    Map<String, NodeProgram> out = new TreeMap<>();
    for (String node : nodes) {
      out.put(node, programFor(node));
    }
    return out;
  }

  /** The pods the compiler knows ({@code namespace/name}), a copy. */
  public Set<String> podKeys() {
    return new HashSet<>(pods.keySet());
  }

  /** The namespaces the compiler was told about (and not told are gone), a copy. */
  public Set<String> namespaceNames() {
    return namespaces.knownNames();
  }

  /** The policies, gateway groups and nodes the compiler knows, copies. */
  public Set<String> policyNames() {
    return new HashSet<>(policies.keySet());
  }

  public Set<String> gatewayKeys() {
    return new HashSet<>(egresses.groupKeys());
  }

  public Set<String> nodeNames() {
    return new HashSet<>(nodes);
  }

  /** Policy name -> egress id, for every policy present. */
  public Map<String, Integer> egressIds() {
    Map<String, Integer> ids = new TreeMap<>();
    policies.values().forEach(p -> ids.put(p.name, p.egressId));
    return ids;
  }

  /** The outcome of one policy, or null when it does not exist. */
  public PolicyOutcome outcome(String policy) {
    PolicyState p = policies.get(policy);
    return p == null ? null : outcomes.of(p);
  }

  /** Every policy's outcome by name. */
  public Map<String, PolicyOutcome> outcomes() {
    Map<String, PolicyOutcome> out = new TreeMap<>();
    policies.values().forEach(p -> out.put(p.name, outcomes.of(p)));
    return out;
  }

  // Events. Each returns the known nodes whose program changed, sorted.

  /** A pod was created or changed. */
  public Set<String> podUpserted(PodInput in) {
    PodState old = pods.get(in.key());
    if (old != null
        && old.labels.equals(in.labels())
        && Objects.equals(old.ip, in.ip())
        && Objects.equals(old.node, in.node())) {
      return Set.of();
    }
    if (old != null) {
      detachPod(old);
    }
    PodState pod = attachPod(in);
    ruleSets.assign(pod, pod.namespace.policiesSelecting(pod));
    views.show(pod, false);
    return views.flush();
  }

  /** A pod is gone. */
  public Set<String> podDeleted(String namespace, String name) {
    PodState old = pods.get(namespace + "/" + name);
    if (old == null) {
      return Set.of();
    }
    detachPod(old);
    return views.flush();
  }

  /** A namespace was created or its labels changed. */
  public Set<String> namespaceUpserted(NamespaceInput in) {
    NamespaceState ns = namespaces.getOrCreate(in.name());
    if (ns.known && ns.labels.equals(in.labels())) {
      return Set.of();
    }
    relabel(ns, in.labels());
    ns.known = true;
    return views.flush();
  }

  /** A namespace is gone (its pods follow as podDeleted events). */
  public Set<String> namespaceDeleted(String name) {
    NamespaceState ns = namespaces.get(name);
    if (ns == null) {
      return Set.of();
    }
    relabel(ns, Map.of());
    ns.known = false;
    if (ns.pods.isEmpty()) {
      namespaces.drop(ns);
    }
    return views.flush();
  }

  /** A policy was created or changed. */
  public Set<String> policyUpserted(PolicyInput in) {
    PolicyState p = policies.get(in.name());
    if (p != null && p.input.equals(in)) {
      return Set.of();
    }
    if (p == null) {
      p = new PolicyState(in.name(), egressIdAllocator.allocate(in.name()));
      policies.put(p.name, p);
    }
    updatePolicy(p, in);
    return views.flush();
  }

  /** A policy is gone: its pods are no longer steered and its egress id is freed. */
  public Set<String> policyDeleted(String name) {
    PolicyState p = policies.get(name);
    if (p == null) {
      return Set.of();
    }
    updatePolicy(p, new PolicyInput(name, List.of(), List.of(), null));
    egresses.forget(p);
    policies.remove(name);
    egressIdAllocator.release(p.egressId);
    return views.flush();
  }

  /** A gateway group was created or its floating IPs changed. */
  public Set<String> gatewayUpserted(GatewayInput in) {
    List<String> old = egresses.putGroup(in.key(), in.floatingIPs());
    if (in.floatingIPs().equals(old)) {
      return Set.of();
    }
    refreshPoliciesOfGateway(in.key());
    return views.flush();
  }

  /** A gateway group is gone: its policies are no longer applied. */
  public Set<String> gatewayDeleted(String key) {
    if (!egresses.removeGroup(key)) {
      return Set.of();
    }
    refreshPoliciesOfGateway(key);
    return views.flush();
  }

  /** A node appeared or its address changed. */
  public Set<String> nodeUpserted(NodeInput in) {
    boolean isNew = nodes.add(in.name());
    String oldIp = nodeIps.put(in.name(), in.ip());
    if (isNew || !Objects.equals(oldIp, in.ip())) {
      rerouteThrough(in.name());
    }
    Set<String> changed = views.flush();
    if (isNew) {
      views.nodeAppeared(in.name());
      changed = new TreeSet<>(changed);
      changed.add(in.name());
    }
    return changed;
  }

  /** A node is gone: its program is dropped; egresses it held lose their gateway. */
  public Set<String> nodeDeleted(String name) {
    if (!nodes.remove(name)) {
      return Set.of();
    }
    nodeIps.remove(name);
    rerouteThrough(name);
    Set<String> changed = new TreeSet<>(views.flush());
    views.nodeGone(name);
    changed.add(name);
    return changed;
  }

  /**
   * The excluded prefixes (in-cluster destinations and the operator's list, {@link
   * NodeProgram#excludedPrefixes}) are now {@code cidrs}; when they changed, every program did.
   */
  public Set<String> excludedPrefixesChanged(Collection<String> cidrs) {
    excluded.set(cidrs);
    return views.flush();
  }

  /** The floating IP assignment changed (placement's new result: ip -> node). */
  public Set<String> assignmentChanged(Map<String, String> newAssignment) {
    Set<String> ips = new HashSet<>(floating.ips());
    ips.addAll(newAssignment.keySet());
    for (String ip : ips) {
      String after = newAssignment.get(ip);
      if (!Objects.equals(floating.nodeOf(ip), after)) {
        moveFloatingIp(ip, after);
      }
    }
    return views.flush();
  }

  /** One floating IP moved to {@code node} (null: unassigned). */
  public Set<String> floatingIpMoved(String ip, String node) {
    if (Objects.equals(floating.nodeOf(ip), node)) {
      return Set.of();
    }
    moveFloatingIp(ip, node);
    return views.flush();
  }

  /** The full compile: everything at once, untracked; rule sets are numbered canonically. */
  private void load(CompilerInput in) {
    for (NodeInput n : in.nodes()) {
      nodes.add(n.name());
      nodeIps.put(n.name(), n.ip());
    }
    in.assignment().forEach(floating::assign);
    in.gateways().forEach(g -> egresses.putGroup(g.key(), g.floatingIPs()));
    for (NamespaceInput ns : in.namespaces()) {
      NamespaceState s = namespaces.getOrCreate(ns.name());
      namespaces.setLabels(s, ns.labels());
      s.known = true;
    }
    for (PodInput p : in.pods()) {
      PodState old = pods.get(p.key());
      if (old != null) {
        detachPod(old);
      }
      attachPod(p);
    }
    Map<String, PolicyInput> byName = new TreeMap<>();
    in.policies().forEach(p -> byName.put(p.name(), p));
    egressIdAllocator
        .allocateAll(byName.keySet())
        .forEach((name, id) -> policies.put(name, new PolicyState(name, id)));
    for (PolicyInput pi : byName.values()) {
      PolicyState p = policies.get(pi.name());
      p.setInput(pi);
      guard.claim(p.prefixes);
      egresses.indexGroup(p);
      egresses.refresh(p);
      if (p.applied) {
        namespaces.addCandidates(p);
      }
    }
    // Evaluate every pod, then number the distinct policy sets canonically.
    Map<RuleSet.Key, PolicyState[]> sets = new HashMap<>();
    List<RuleSet.Key> keyOfPod = new ArrayList<>(pods.size());
    for (PodState pod : pods.values()) {
      PolicyState[] selected = pod.namespace.policiesSelecting(pod);
      RuleSet.Key key = selected.length == 0 ? null : RuleSet.Key.of(selected);
      if (key != null) {
        sets.putIfAbsent(key, selected);
      }
      keyOfPod.add(key);
    }
    ruleSets.createInCanonicalOrder(sets);
    int i = 0;
    views.setTracking(false);
    for (PodState pod : pods.values()) {
      RuleSet.Key key = keyOfPod.get(i++);
      if (key != null) {
        ruleSets.attach(pod, ruleSets.get(key));
      }
      views.show(pod, false); // unselected pods too: their node knows them (rule set 0)
    }
    views.setTracking(true);
    guard.refresh();
    excluded.set(in.excludedPrefixes());
    excluded.refresh();
  }

  private PodState attachPod(PodInput in) {
    PodState pod = new PodState(in);
    pods.put(pod.key, pod);
    NamespaceState ns = namespaces.getOrCreate(in.namespace());
    ns.pods.add(pod);
    pod.namespace = ns;
    if (pod.node != null) {
      pod.view = views.get(pod.node);
      pod.view.pods++;
    }
    return pod;
  }

  private void detachPod(PodState pod) {
    views.hide(pod, false);
    ruleSets.assign(pod, PolicyState.NONE);
    pods.remove(pod.key);
    pod.namespace.pods.remove(pod);
    if (!pod.namespace.known && pod.namespace.pods.isEmpty()) {
      namespaces.drop(pod.namespace);
    }
    if (pod.node != null) {
      pod.view.pods--;
    }
  }

  /** New namespace labels: new candidates, and every pod whose policies change is re-shown. */
  private void relabel(NamespaceState ns, Map<String, String> labels) {
    namespaces.relabel(ns, labels);
    for (PodState pod : ns.pods) {
      PolicyState[] now = ns.policiesSelecting(pod);
      if (!Arrays.equals(pod.policies(), now)) {
        views.hide(pod, false);
        ruleSets.assign(pod, now);
        views.show(pod, false);
      }
    }
  }

  /**
   * A policy appears, changes or (with an empty input) goes: every pod it selected before or
   * selects now is re-shown, and every view involved compares whole programs, since the routes,
   * egress and gateway node may change too.
   */
  private void updatePolicy(PolicyState p, PolicyInput in) {
    List<PodState> before = new ArrayList<>(p.selected);
    if (p.gatewayNode != null) {
      views.markSlow(p.gatewayNode);
    }
    for (PodState pod : before) {
      views.hide(pod, true);
    }
    if (p.input != null && !Objects.equals(p.input.gatewayKey(), in.gatewayKey())) {
      egresses.unindexGroup(p);
    }
    guard.release(p.prefixes);
    p.setInput(in);
    guard.claim(p.prefixes);
    egresses.indexGroup(p);
    egresses.refresh(p);
    namespaces.removeCandidates(p);
    Set<PodState> after = new HashSet<>();
    if (p.applied) {
      for (NamespaceState ns : namespaces.addCandidates(p)) {
        ns.addPodsSelectedBy(p, after);
      }
    }
    Set<PodState> beforeSet = new HashSet<>(before);
    for (PodState pod : after) {
      if (!beforeSet.contains(pod)) {
        views.hide(pod, true); // shown for other policies; its rule set changes now
      }
    }
    for (PodState pod : before) {
      if (!after.contains(pod)) {
        ruleSets.assign(pod, without(pod.policies(), p));
      }
    }
    Set<RuleSet> changedSets = new HashSet<>();
    for (PodState pod : after) {
      ruleSets.assign(pod, with(pod.policies(), p));
      changedSets.add(pod.ruleSet);
    }
    // The prefixes may have changed: routes of every set containing p are rebuilt on demand.
    for (RuleSet rs : changedSets) {
      rs.forgetRoutes();
    }
    if (p.gatewayNode != null) {
      views.markSlow(p.gatewayNode);
    }
    for (PodState pod : before) {
      views.show(pod, true);
    }
    for (PodState pod : after) {
      if (!beforeSet.contains(pod)) {
        views.show(pod, true);
      }
    }
  }

  /** {@code set} without {@code p}. */
  private static PolicyState[] without(PolicyState[] set, PolicyState p) {
    List<PolicyState> out = new ArrayList<>(set.length);
    for (PolicyState q : set) {
      if (q != p) {
        out.add(q);
      }
    }
    return out.toArray(PolicyState.NONE);
  }

  /** {@code set} with {@code p}, sorted by name. */
  private static PolicyState[] with(PolicyState[] set, PolicyState p) {
    for (PolicyState q : set) {
      if (q == p) {
        return set;
      }
    }
    PolicyState[] out = Arrays.copyOf(set, set.length + 1);
    out[set.length] = p;
    Arrays.sort(out, PolicyState.BY_NAME);
    return out;
  }

  /** A gateway group changed: its policies are applied, unapplied or rerouted. */
  private void refreshPoliciesOfGateway(String key) {
    for (PolicyState p : egresses.ofGroup(key)) {
      boolean nowApplied = egresses.egressIpOf(p) != null;
      if (p.applied != nowApplied) {
        updatePolicy(p, p.input); // selection appears or disappears
      } else {
        reroute(p);
      }
    }
  }

  /** A node appeared, changed its address or went: reroute the policies leaving through it. */
  private void rerouteThrough(String node) {
    for (PolicyState p : egresses.ofGatewayNode(node)) {
      reroute(p);
    }
  }

  private void moveFloatingIp(String ip, String node) {
    String before = floating.nodeOf(ip);
    if (before != null) {
      views.markSlow(before);
    }
    if (node != null) {
      views.markSlow(node);
    }
    floating.assign(ip, node);
    for (PolicyState p : egresses.ofEgressIp(ip)) {
      reroute(p);
    }
  }

  /** Recomputes where p's traffic leaves, re-showing its pods when that changed. */
  private void reroute(PolicyState p) {
    if (egresses.upToDate(p)) {
      return;
    }
    for (PodState pod : p.selected) {
      views.hide(pod, true);
    }
    egresses.refresh(p);
    for (PodState pod : p.selected) {
      views.show(pod, true);
    }
  }
}

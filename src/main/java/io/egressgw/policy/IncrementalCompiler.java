package io.egressgw.policy;

import io.egressgw.net.Ipv4;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 * one with rule set 0 (no routes): the node's dataplane drops traffic to guarded destinations (every
 * policy's prefixes, {@link NodeProgram#guardedPrefixes}) from a pod it does not know yet, so a pod
 * whose node is programmed late cannot leave with the node's address. Two pods claiming one address on one node (a recycled IP): the
 * lexicographically smaller {@code namespace/name} is shown. A policy whose gateway group is missing
 * or has no floating IP selects nothing ("not applied"); a policy whose egress IP no node holds is
 * programmed with an egress without gateway, and the dataplane drops its traffic (fail closed).
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
 * <p>Not thread-safe: the controller feeds events from one thread.
 */
public final class IncrementalCompiler {
  static final int MAX_EGRESS_ID = 65535;

  private final Map<String, NamespaceState> namespaces = new HashMap<>();
  private final Map<String, Map<String, Set<NamespaceState>>> namespacesByLabel = new HashMap<>();
  private final Map<String, PodState> pods = new HashMap<>();
  private final Map<String, PolicyState> policies = new HashMap<>();
  private final Map<Integer, PolicyState> policiesById = new HashMap<>();
  private final Map<String, Set<PolicyState>> policiesByGateway = new HashMap<>();
  private final Map<String, Set<PolicyState>> policiesByEgressIp = new HashMap<>();
  private final Map<String, Set<PolicyState>> policiesByGatewayNode = new HashMap<>();
  private final Map<String, List<String>> gateways = new HashMap<>();
  private final Map<String, String> nodeIps = new HashMap<>();
  private final Set<String> nodes = new HashSet<>();
  private final Map<String, String> assignment = new HashMap<>();
  private final Map<String, TreeSet<String>> floatingByNode = new HashMap<>();
  private final Map<Key, RuleSet> ruleSets = new HashMap<>();
  private final BitSet usedRuleSetIds = new BitSet();
  private final BitSet usedEgressIds = new BitSet();
  private final Map<String, View> views = new HashMap<>();
  private final List<View> touched = new ArrayList<>();
  private final Map<Cidr, Integer> guardRefs = new HashMap<>(); // prefix -> policies claiming it
  private List<String> guard = List.of(); // sorted guarded prefixes, as in every program
  private boolean guardDirty;
  private boolean tracking = true;
  private long outcomeEpoch;
  private Map<String, Integer> seed = Map.of();

  /** An empty compiler; egress ids start at 1. */
  public IncrementalCompiler() {}

  /** An empty compiler that will give these policies these egress ids when they appear. */
  public IncrementalCompiler(Map<String, Integer> egressIdSeed) {
    this.seed = new HashMap<>(egressIdSeed);
  }

  /** Loads a complete state at once (the full compile); returns a compiler ready for events. */
  public static IncrementalCompiler of(CompilerInput in, Map<String, Integer> egressIdSeed) {
    IncrementalCompiler c = new IncrementalCompiler(egressIdSeed);
    c.load(in);
    return c;
  }

  // --------------------------------------------------------------------------------------------
  // Queries

  /** The program of {@code node} (generation 0), or null when the node is unknown. */
  public NodeProgram programFor(String node) {
    if (!nodes.contains(node)) {
      return null;
    }
    View v = view(node);
    if (v.program == null) {
      v.program = materialize(v);
    }
    return v.program;
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
    Set<String> out = new HashSet<>();
    namespaces.values().forEach(ns -> {
      if (ns.known) {
        out.add(ns.name);
      }
    });
    return out;
  }

  /** The policies, gateway groups and nodes the compiler knows, copies. */
  public Set<String> policyNames() {
    return new HashSet<>(policies.keySet());
  }

  public Set<String> gatewayKeys() {
    return new HashSet<>(gateways.keySet());
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
    return p == null ? null : outcomeOf(p);
  }

  /** Every policy's outcome by name. */
  public Map<String, PolicyOutcome> outcomes() {
    Map<String, PolicyOutcome> out = new TreeMap<>();
    policies.values().forEach(p -> out.put(p.name, outcomeOf(p)));
    return out;
  }

  // --------------------------------------------------------------------------------------------
  // Events. Each returns the nodes whose program changed, sorted.

  /** A pod was created or changed. */
  public Set<String> podUpserted(PodInput in) {
    PodState old = pods.get(in.key());
    if (old != null
        && old.labels.equals(in.labels())
        && java.util.Objects.equals(old.ip, in.ip())
        && java.util.Objects.equals(old.node, in.node())) {
      return Set.of();
    }
    if (old != null) {
      detachPod(old);
    }
    PodState pod = attachPod(in);
    setPolicies(pod, evaluate(pod));
    show(pod, false);
    return flush();
  }

  /** A pod is gone. */
  public Set<String> podDeleted(String namespace, String name) {
    PodState old = pods.get(namespace + "/" + name);
    if (old == null) {
      return Set.of();
    }
    detachPod(old);
    return flush();
  }

  /** A namespace was created or its labels changed. */
  public Set<String> namespaceUpserted(NamespaceInput in) {
    NamespaceState ns = namespace(in.name());
    if (ns.known && ns.labels.equals(in.labels())) {
      return Set.of();
    }
    relabel(ns, in.labels());
    ns.known = true;
    return flush();
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
      namespaces.remove(name);
    }
    return flush();
  }

  /** A policy was created or changed. */
  public Set<String> policyUpserted(PolicyInput in) {
    PolicyState p = policies.get(in.name());
    if (p != null && p.input.equals(in)) {
      return Set.of();
    }
    if (p == null) {
      p = new PolicyState(in.name(), allocateEgressId(in.name()));
      policies.put(p.name, p);
      policiesById.put(p.egressId, p);
    }
    updatePolicy(p, in);
    return flush();
  }

  /** A policy is gone: its pods are no longer steered and its egress id is freed. */
  public Set<String> policyDeleted(String name) {
    PolicyState p = policies.get(name);
    if (p == null) {
      return Set.of();
    }
    updatePolicy(p, new PolicyInput(name, List.of(), List.of(), null));
    unindexGateway(p);
    setGatewayNode(p, null);
    setEgressIp(p, null);
    policies.remove(name);
    policiesById.remove(p.egressId);
    usedEgressIds.clear(p.egressId);
    return flush();
  }

  /** A gateway group was created or its floating IPs changed. */
  public Set<String> gatewayUpserted(GatewayInput in) {
    List<String> old = gateways.put(in.key(), in.floatingIPs());
    if (in.floatingIPs().equals(old)) {
      return Set.of();
    }
    refreshPoliciesOfGateway(in.key());
    return flush();
  }

  /** A gateway group is gone: its policies are no longer applied. */
  public Set<String> gatewayDeleted(String key) {
    if (gateways.remove(key) == null) {
      return Set.of();
    }
    refreshPoliciesOfGateway(key);
    return flush();
  }

  /** A node appeared or its address changed. */
  public Set<String> nodeUpserted(NodeInput in) {
    boolean isNew = nodes.add(in.name());
    String oldIp = nodeIps.put(in.name(), in.ip());
    if (isNew || !java.util.Objects.equals(oldIp, in.ip())) {
      refreshEgressesOn(in.name());
    }
    Set<String> changed = flush();
    if (isNew) {
      view(in.name()).program = null;
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
    refreshEgressesOn(name);
    Set<String> changed = new TreeSet<>(flush());
    View v = views.get(name);
    if (v != null) {
      v.program = null;
      if (v.shown.isEmpty() && v.pods == 0) {
        views.remove(name);
      }
    }
    changed.add(name);
    return changed;
  }

  /** The floating IP assignment changed (placement's new result: ip -> node). */
  public Set<String> assignmentChanged(Map<String, String> newAssignment) {
    Set<String> ips = new HashSet<>(assignment.keySet());
    ips.addAll(newAssignment.keySet());
    for (String ip : ips) {
      String before = assignment.get(ip);
      String after = newAssignment.get(ip);
      if (!java.util.Objects.equals(before, after)) {
        moveFloatingIp(ip, after);
      }
    }
    return flush();
  }

  /** One floating IP moved to {@code node} (null: unassigned). */
  public Set<String> floatingIpMoved(String ip, String node) {
    if (java.util.Objects.equals(assignment.get(ip), node)) {
      return Set.of();
    }
    moveFloatingIp(ip, node);
    return flush();
  }

  // --------------------------------------------------------------------------------------------
  // Bulk load (full compile)

  private void load(CompilerInput in) {
    for (NodeInput n : in.nodes()) {
      nodes.add(n.name());
      nodeIps.put(n.name(), n.ip());
    }
    in.assignment().forEach(this::indexFloatingIp);
    in.gateways().forEach(g -> gateways.put(g.key(), g.floatingIPs()));
    for (NamespaceInput ns : in.namespaces()) {
      NamespaceState s = namespace(ns.name());
      setNamespaceLabels(s, ns.labels());
      s.known = true;
    }
    for (PodInput p : in.pods()) {
      PodState old = pods.get(p.key());
      if (old != null) {
        detachPod(old);
      }
      attachPod(p);
    }
    // Egress ids: seeded names keep their id, the others get the lowest free ids in name order.
    Map<String, PolicyInput> byName = new TreeMap<>();
    in.policies().forEach(p -> byName.put(p.name(), p));
    List<String> unseeded = new ArrayList<>();
    for (String name : byName.keySet()) {
      int id = claimSeededEgressId(name);
      if (id != 0) {
        registerPolicy(new PolicyState(name, id));
      } else {
        unseeded.add(name);
      }
    }
    for (String name : unseeded) {
      registerPolicy(new PolicyState(name, allocateLowestEgressId()));
    }
    for (PolicyInput pi : byName.values()) {
      PolicyState p = policies.get(pi.name());
      p.input = pi;
      p.parseCidrs();
      refGuard(p.prefixes, 1);
      indexGateway(p);
      refreshEgress(p);
      if (p.applied) {
        addCandidates(p);
      }
    }
    // Evaluate every pod, then number the distinct policy sets canonically.
    Map<Key, PolicyState[]> sets = new HashMap<>();
    List<Key> podKeys = new ArrayList<>(pods.size());
    for (PodState pod : pods.values()) {
      PolicyState[] selected = evaluate(pod);
      Key key = selected.length == 0 ? null : Key.of(selected);
      if (key != null) {
        sets.putIfAbsent(key, selected);
      }
      podKeys.add(key);
    }
    List<Key> ordered = new ArrayList<>(sets.keySet());
    ordered.sort(Key.ORDER);
    for (Key k : ordered) {
      RuleSet rs = new RuleSet(usedRuleSetIds.nextClearBit(1), k, sets.get(k));
      usedRuleSetIds.set(rs.id);
      ruleSets.put(k, rs);
    }
    int i = 0;
    tracking = false;
    for (PodState pod : pods.values()) {
      Key key = podKeys.get(i++);
      if (key != null) {
        RuleSet rs = ruleSets.get(key);
        rs.refs++;
        pod.ruleSet = rs;
        for (PolicyState p : rs.policies) {
          p.selected.add(pod);
        }
      }
      show(pod, false); // unselected pods too: their node knows them (rule set 0)
    }
    tracking = true;
    refreshGuard();
  }

  private void registerPolicy(PolicyState p) {
    policies.put(p.name, p);
    policiesById.put(p.egressId, p);
  }

  // --------------------------------------------------------------------------------------------
  // Pods and namespaces

  private PodState attachPod(PodInput in) {
    PodState pod = new PodState(in);
    pods.put(pod.key, pod);
    NamespaceState ns = namespace(in.namespace());
    ns.pods.add(pod);
    pod.namespace = ns;
    if (pod.node != null) {
      pod.view = view(pod.node);
      pod.view.pods++;
    }
    return pod;
  }

  private void detachPod(PodState pod) {
    hide(pod, false);
    setPolicies(pod, NONE);
    pods.remove(pod.key);
    pod.namespace.pods.remove(pod);
    if (!pod.namespace.known && pod.namespace.pods.isEmpty()) {
      dropNamespace(pod.namespace);
    }
    if (pod.node != null) {
      pod.view.pods--;
    }
  }

  private NamespaceState namespace(String name) {
    NamespaceState ns = namespaces.get(name);
    if (ns == null) {
      ns = new NamespaceState(name);
      namespaces.put(name, ns);
      for (PolicyState p : policies.values()) {
        if (p.applied) {
          refreshCandidate(ns, p);
        }
      }
    }
    return ns;
  }

  private void dropNamespace(NamespaceState ns) {
    setNamespaceLabels(ns, Map.of());
    namespaces.remove(ns.name);
  }

  private void setNamespaceLabels(NamespaceState ns, Map<String, String> labels) {
    for (Map.Entry<String, String> l : ns.labels.entrySet()) {
      Map<String, Set<NamespaceState>> byValue = namespacesByLabel.get(l.getKey());
      Set<NamespaceState> set = byValue.get(l.getValue());
      set.remove(ns);
      if (set.isEmpty()) {
        byValue.remove(l.getValue());
        if (byValue.isEmpty()) {
          namespacesByLabel.remove(l.getKey());
        }
      }
    }
    ns.labels = labels;
    for (Map.Entry<String, String> l : labels.entrySet()) {
      namespacesByLabel
          .computeIfAbsent(l.getKey(), k -> new HashMap<>())
          .computeIfAbsent(l.getValue(), v -> new HashSet<>())
          .add(ns);
    }
  }

  private void relabel(NamespaceState ns, Map<String, String> labels) {
    setNamespaceLabels(ns, labels);
    ns.candidates.clear();
    for (PolicyState p : policies.values()) {
      if (p.applied) {
        refreshCandidate(ns, p);
      }
    }
    for (PodState pod : ns.pods) {
      PolicyState[] now = evaluate(pod);
      if (!sameSet(pod, now)) {
        hide(pod, false);
        setPolicies(pod, now);
        show(pod, false);
      }
    }
  }

  /** The policies selecting {@code pod}, sorted by name (the order of the tie-break). */
  private PolicyState[] evaluate(PodState pod) {
    Map<PolicyState, List<Map<String, String>>> candidates = pod.namespace.candidates;
    if (candidates.isEmpty()) {
      return NONE;
    }
    PolicyState[] out = null;
    int n = 0;
    for (Map.Entry<PolicyState, List<Map<String, String>>> c : candidates.entrySet()) {
      for (Map<String, String> podSelector : c.getValue()) {
        if (Labels.containsAll(pod.labels, podSelector)) {
          if (out == null) {
            out = new PolicyState[candidates.size()];
          }
          out[n++] = c.getKey();
          break;
        }
      }
    }
    if (n == 0) {
      return NONE;
    }
    PolicyState[] sel = n == out.length ? out : Arrays.copyOf(out, n);
    if (n > 1) {
      Arrays.sort(sel, BY_NAME);
    }
    return sel;
  }

  private static boolean sameSet(PodState pod, PolicyState[] set) {
    PolicyState[] cur = pod.ruleSet == null ? NONE : pod.ruleSet.policies;
    return Arrays.equals(cur, set);
  }

  /** Moves {@code pod} to the rule set of {@code set}, keeping refcounts and selections right. */
  private void setPolicies(PodState pod, PolicyState[] set) {
    RuleSet old = pod.ruleSet;
    PolicyState[] before = old == null ? NONE : old.policies;
    if (Arrays.equals(before, set)) {
      return;
    }
    RuleSet rs = null;
    if (set.length > 0) {
      Key key = Key.of(set);
      rs = ruleSets.get(key);
      if (rs == null) {
        rs = new RuleSet(usedRuleSetIds.nextClearBit(1), key, set);
        usedRuleSetIds.set(rs.id);
        ruleSets.put(key, rs);
      }
      rs.refs++;
    }
    pod.ruleSet = rs;
    for (PolicyState p : before) {
      p.selected.remove(pod);
    }
    for (PolicyState p : set) {
      p.selected.add(pod);
    }
    if (old != null && --old.refs == 0) {
      ruleSets.remove(old.key);
      usedRuleSetIds.clear(old.id);
    }
  }

  /**
   * The nodes whose program shows {@code pod}: its own (selected or not: an unselected pod is shown
   * with rule set 0, so that the dataplane's guard does not drop it) and its policies' gateway nodes.
   */
  private List<String> viewsOf(PodState pod) {
    if (pod.ip == null) {
      return List.of();
    }
    if (pod.ruleSet == null) {
      return pod.node == null ? List.of() : List.of(pod.node);
    }
    List<String> out = new ArrayList<>(2);
    if (pod.node != null) {
      out.add(pod.node);
    }
    for (PolicyState p : pod.ruleSet.policies) {
      if (p.gatewayNode != null && !out.contains(p.gatewayNode)) {
        out.add(p.gatewayNode);
      }
    }
    return out;
  }

  /** Adds {@code pod} to the nodes that show it; {@code slow}: compare whole programs. */
  private void show(PodState pod, boolean slow) {
    for (String node : viewsOf(pod)) {
      View v = view(node);
      if (slow) {
        markSlow(v);
      }
      v.add(pod);
    }
  }

  /** Removes {@code pod} from the nodes that show it (call before changing what it is). */
  private void hide(PodState pod, boolean slow) {
    for (String node : viewsOf(pod)) {
      View v = view(node);
      if (slow) {
        markSlow(v);
      }
      v.remove(pod);
    }
  }

  private View view(String node) {
    View v = views.get(node);
    if (v == null) {
      v = new View(node);
      views.put(node, v);
    }
    return v;
  }

  /**
   * This event may change more than sources (routes, egresses, floating IPs): remember the whole
   * program as it is now, to compare after the event. Must precede any change to the view.
   */
  private void markSlow(View v) {
    if (v.slow) {
      return;
    }
    v.slow = true;
    if (v.inEvent) {
      v.beforeUnknown = true; // already changed in this event: report it as changed
    } else if (nodes.contains(v.node)) {
      v.before = v.program != null ? v.program : materialize(v);
    }
    v.touch();
  }

  private void markSlow(String node) {
    markSlow(view(node));
  }

  // --------------------------------------------------------------------------------------------
  // Policies and gateways

  private void updatePolicy(PolicyState p, PolicyInput in) {
    List<PodState> before = new ArrayList<>(p.selected);
    if (p.gatewayNode != null) {
      markSlow(p.gatewayNode);
    }
    for (PodState pod : before) {
      hide(pod, true);
    }
    if (p.input != null && !java.util.Objects.equals(p.input.gatewayKey(), in.gatewayKey())) {
      unindexGateway(p);
    }
    p.input = in;
    refGuard(p.prefixes, -1);
    p.parseCidrs();
    refGuard(p.prefixes, 1);
    indexGateway(p);
    refreshEgress(p);
    for (NamespaceState ns : namespaces.values()) {
      ns.candidates.remove(p);
    }
    Set<PodState> after = new HashSet<>();
    if (p.applied) {
      for (NamespaceState ns : addCandidates(p)) {
        List<Map<String, String>> podSelectors = ns.candidates.get(p);
        for (PodState pod : ns.pods) {
          for (Map<String, String> podSelector : podSelectors) {
            if (Labels.containsAll(pod.labels, podSelector)) {
              after.add(pod);
              break;
            }
          }
        }
      }
    }
    Set<PodState> beforeSet = new HashSet<>(before);
    for (PodState pod : after) {
      if (!beforeSet.contains(pod)) {
        hide(pod, true); // shown for other policies; its rule set changes now
      }
    }
    for (PodState pod : before) {
      if (!after.contains(pod)) {
        setPolicies(pod, without(pod, p));
      }
    }
    Set<RuleSet> changedSets = new HashSet<>();
    for (PodState pod : after) {
      setPolicies(pod, with(pod, p));
      changedSets.add(pod.ruleSet);
    }
    // The prefixes may have changed: routes of every set containing p are recomputed on demand.
    for (RuleSet rs : changedSets) {
      rs.routes = null;
    }
    if (p.gatewayNode != null) {
      markSlow(p.gatewayNode);
    }
    for (PodState pod : before) {
      show(pod, true);
    }
    for (PodState pod : after) {
      if (!beforeSet.contains(pod)) {
        show(pod, true);
      }
    }
  }

  private static PolicyState[] without(PodState pod, PolicyState p) {
    PolicyState[] cur = pod.ruleSet == null ? NONE : pod.ruleSet.policies;
    List<PolicyState> out = new ArrayList<>(cur.length);
    for (PolicyState q : cur) {
      if (q != p) {
        out.add(q);
      }
    }
    return out.toArray(NONE);
  }

  private static PolicyState[] with(PodState pod, PolicyState p) {
    PolicyState[] cur = pod.ruleSet == null ? NONE : pod.ruleSet.policies;
    for (PolicyState q : cur) {
      if (q == p) {
        return cur;
      }
    }
    PolicyState[] out = Arrays.copyOf(cur, cur.length + 1);
    out[cur.length] = p;
    Arrays.sort(out, BY_NAME);
    return out;
  }

  /** Adds p's rules to the candidates of every namespace they match; returns those namespaces. */
  private Set<NamespaceState> addCandidates(PolicyState p) {
    Set<NamespaceState> matched = new HashSet<>();
    for (PolicyInput.Rule rule : p.input.sources()) {
      Collection<NamespaceState> scope;
      if (rule.namespaceSelector().isEmpty()) {
        scope = namespaces.values();
      } else {
        Map.Entry<String, String> first = rule.namespaceSelector().entrySet().iterator().next();
        scope =
            namespacesByLabel
                .getOrDefault(first.getKey(), Map.of())
                .getOrDefault(first.getValue(), Set.of());
      }
      for (NamespaceState ns : scope) {
        if (Labels.containsAll(ns.labels, rule.namespaceSelector())) {
          ns.candidates.computeIfAbsent(p, k -> new ArrayList<>(1)).add(rule.podSelector());
          matched.add(ns);
        }
      }
    }
    return matched;
  }

  private static void refreshCandidate(NamespaceState ns, PolicyState p) {
    ns.candidates.remove(p);
    for (PolicyInput.Rule rule : p.input.sources()) {
      if (Labels.containsAll(ns.labels, rule.namespaceSelector())) {
        ns.candidates.computeIfAbsent(p, k -> new ArrayList<>(1)).add(rule.podSelector());
      }
    }
  }

  private void indexGateway(PolicyState p) {
    if (p.input.gatewayKey() != null) {
      policiesByGateway.computeIfAbsent(p.input.gatewayKey(), k -> new HashSet<>()).add(p);
    }
  }

  private void unindexGateway(PolicyState p) {
    if (p.input != null && p.input.gatewayKey() != null) {
      removeFrom(policiesByGateway, p.input.gatewayKey(), p);
    }
  }

  private void refreshPoliciesOfGateway(String key) {
    for (PolicyState p : new ArrayList<>(policiesByGateway.getOrDefault(key, Set.of()))) {
      boolean wasApplied = p.applied;
      boolean nowApplied = gatewayIp(p) != null;
      if (wasApplied != nowApplied) {
        updatePolicy(p, p.input); // selection appears or disappears
      } else {
        reroute(p);
      }
    }
  }

  private void refreshEgressesOn(String node) {
    for (PolicyState p : new ArrayList<>(policiesByGatewayNode.getOrDefault(node, Set.of()))) {
      reroute(p);
    }
  }

  /** Recomputes where p's traffic leaves, marking the nodes that show p before and after. */
  private void reroute(PolicyState p) {
    String ip = gatewayIp(p);
    String node = ip == null ? null : assignment.get(ip);
    Egress next =
        ip == null
            ? null
            : new Egress(p.egressId, p.name, ip, node, node == null ? null : nodeIps.get(node));
    if (java.util.Objects.equals(next, p.egress)
        && java.util.Objects.equals(node, p.gatewayNode)) {
      return;
    }
    for (PodState pod : p.selected) {
      hide(pod, true);
    }
    refreshEgress(p);
    for (PodState pod : p.selected) {
      show(pod, true);
    }
  }

  private String gatewayIp(PolicyState p) {
    List<String> ips = p.input.gatewayKey() == null ? null : gateways.get(p.input.gatewayKey());
    return ips == null || ips.isEmpty() ? null : ips.get(0);
  }

  /** Sets p.applied, egressIP, gatewayNode and the Egress record from the current state. */
  private void refreshEgress(PolicyState p) {
    String ip = gatewayIp(p);
    p.applied = ip != null;
    setEgressIp(p, ip);
    String node = ip == null ? null : assignment.get(ip);
    setGatewayNode(p, node);
    p.egress =
        ip == null ? null : new Egress(p.egressId, p.name, ip, node, node == null ? null : nodeIps.get(node));
  }

  private void setEgressIp(PolicyState p, String ip) {
    if (java.util.Objects.equals(p.egressIp, ip)) {
      return;
    }
    if (p.egressIp != null) {
      removeFrom(policiesByEgressIp, p.egressIp, p);
    }
    p.egressIp = ip;
    if (ip != null) {
      policiesByEgressIp.computeIfAbsent(ip, k -> new HashSet<>()).add(p);
    }
  }

  private void setGatewayNode(PolicyState p, String node) {
    if (java.util.Objects.equals(p.gatewayNode, node)) {
      return;
    }
    if (p.gatewayNode != null) {
      removeFrom(policiesByGatewayNode, p.gatewayNode, p);
    }
    p.gatewayNode = node;
    if (node != null) {
      policiesByGatewayNode.computeIfAbsent(node, k -> new HashSet<>()).add(p);
    }
  }

  private static <K, V> void removeFrom(Map<K, Set<V>> index, K key, V value) {
    Set<V> set = index.get(key);
    if (set != null) {
      set.remove(value);
      if (set.isEmpty()) {
        index.remove(key);
      }
    }
  }

  /** The seeded id if valid and free, else the lowest free id. */
  private int allocateEgressId(String name) {
    int id = claimSeededEgressId(name);
    return id != 0 ? id : allocateLowestEgressId();
  }

  /** Takes the id {@code name} was seeded with when it is valid and free; 0 otherwise. */
  private int claimSeededEgressId(String name) {
    Integer id = seed.get(name);
    if (id == null || id < 1 || id > MAX_EGRESS_ID || usedEgressIds.get(id)) {
      return 0;
    }
    usedEgressIds.set(id);
    return id;
  }

  private int allocateLowestEgressId() {
    int id = usedEgressIds.nextClearBit(1);
    if (id > MAX_EGRESS_ID) {
      throw new IllegalStateException("more than " + MAX_EGRESS_ID + " policies");
    }
    usedEgressIds.set(id);
    return id;
  }

  // --------------------------------------------------------------------------------------------
  // Floating IPs

  private void moveFloatingIp(String ip, String node) {
    String before = assignment.get(ip);
    if (before != null) {
      markSlow(before);
    }
    if (node != null) {
      markSlow(node);
    }
    if (before != null) {
      TreeSet<String> held = floatingByNode.get(before);
      held.remove(ip);
      if (held.isEmpty()) {
        floatingByNode.remove(before);
      }
      assignment.remove(ip);
    }
    if (node != null) {
      indexFloatingIp(ip, node);
    }
    for (PolicyState p : new ArrayList<>(policiesByEgressIp.getOrDefault(ip, Set.of()))) {
      reroute(p);
    }
  }

  private void indexFloatingIp(String ip, String node) {
    assignment.put(ip, node);
    floatingByNode.computeIfAbsent(node, n -> new TreeSet<>(FLOATING_IP_ORDER)).add(ip);
  }

  /**
   * How a node's floating IPs are listed: valid IPv4 addresses in numeric order, then any other
   * text (an assignment may carry an address validation has not rejected yet) after them. Ties,
   * i.e. invalid texts, or two spellings of one address such as {@code 10.0.0.1} and {@code
   * 010.0.0.1}, are ordered by the text itself, so distinct IPs never compare equal and none is
   * dropped from the node's set.
   */
  static final Comparator<String> FLOATING_IP_ORDER =
      Comparator.comparingLong(IncrementalCompiler::numericOrder)
          .thenComparing(Comparator.naturalOrder());

  /** The address as a number; invalid text sorts after every address. */
  private static long numericOrder(String ip) {
    long address = Ipv4.parse(ip);
    return address >= 0 ? address : 1L << 32;
  }

  // --------------------------------------------------------------------------------------------
  // Programs

  /** Adds (delta 1) or removes (delta -1) one policy's prefixes from the guarded prefixes. */
  private void refGuard(Cidr[] prefixes, int delta) {
    for (Cidr prefix : prefixes) {
      guardRefs.merge(prefix, delta, (a, b) -> a + b == 0 ? null : a + b);
      guardDirty = true;
    }
  }

  /** Recomputes the guarded prefixes; true when they changed (every node's program changes). */
  private boolean refreshGuard() {
    if (!guardDirty) {
      return false;
    }
    guardDirty = false;
    Cidr[] keys = guardRefs.keySet().toArray(new Cidr[0]);
    Arrays.sort(keys, Cidr.ORDER);
    List<String> now = new ArrayList<>(keys.length);
    for (Cidr k : keys) {
      now.add(k.toString());
    }
    if (now.equals(guard)) {
      return false;
    }
    guard = List.copyOf(now);
    return true;
  }

  /** Ends an event: which known nodes' programs differ from before it. */
  private Set<String> flush() {
    Set<String> changed = new TreeSet<>();
    if (refreshGuard()) {
      // before-snapshots of slow views were taken with the old guard, so they differ too
      for (String node : nodes) {
        View v = views.get(node);
        if (v != null) {
          v.program = null;
        }
        changed.add(node);
      }
    }
    if (touched.isEmpty()) {
      return changed.isEmpty() ? Set.of() : changed;
    }
    for (View v : touched) {
      boolean known = nodes.contains(v.node);
      if (v.slow) {
        v.rulesCache = null;
        v.egressesCache = null;
        NodeProgram now = known ? materialize(v) : null;
        if (known && (v.beforeUnknown || !now.sameStateAs(v.before))) {
          changed.add(v.node);
        }
        v.program = now;
      } else if (v.differs()) {
        v.program = null;
        if (known) {
          changed.add(v.node);
        }
      }
      v.endEvent();
      if (!known && v.shown.isEmpty() && v.pods == 0) {
        views.remove(v.node);
      }
    }
    touched.clear();
    return changed;
  }

  private NodeProgram materialize(View v) {
    HashMap<String, Integer> sources = new HashMap<>((int) (v.shown.size() / 0.75f) + 1);
    for (Map.Entry<String, PodState> e : v.shown.entrySet()) {
      sources.put(e.getKey(), ruleSetId(e.getValue()));
    }
    if (v.rulesCache == null) {
      // Rule sets and egresses only change when the set of rule sets shown changes or in a slow
      // event; pod events on a big gateway reuse them.
      Map<Integer, List<Route>> rules = new HashMap<>();
      Map<Integer, Egress> egresses = new HashMap<>();
      for (Ref ref : v.refs.values()) {
        List<Route> routes = routes(ref.ruleSet);
        rules.put(ref.ruleSet.id, routes);
        for (Route r : routes) {
          if (!egresses.containsKey(r.egressId())) {
            egresses.put(r.egressId(), policiesById.get(r.egressId()).egress);
          }
        }
      }
      v.rulesCache = Map.copyOf(rules);
      v.egressesCache = Map.copyOf(egresses);
    }
    TreeSet<String> held = floatingByNode.get(v.node);
    List<String> floating = held == null ? List.of() : List.copyOf(held);
    return NodeProgram.adopting(v.node, 0, sources, v.rulesCache, v.egressesCache, floating, guard);
  }

  /** The rule set id a shown pod has in its programs: 0 when no policy selects it. */
  private static int ruleSetId(PodState pod) {
    return pod.ruleSet == null ? 0 : pod.ruleSet.id;
  }

  private List<Route> routes(RuleSet rs) {
    if (rs.routes == null) {
      Map<Cidr, Integer> winners = new TreeMap<>(Cidr.ORDER);
      for (PolicyState p : rs.policies) { // sorted by name: the first claim wins
        for (Cidr prefix : p.prefixes) {
          winners.putIfAbsent(prefix, p.egressId);
        }
      }
      List<Route> routes = new ArrayList<>(winners.size());
      winners.forEach((prefix, egressId) -> routes.add(new Route(prefix.toString(), egressId)));
      rs.routes = List.copyOf(routes);
    }
    return rs.routes;
  }

  // --------------------------------------------------------------------------------------------
  // Outcomes

  private PolicyOutcome outcomeOf(PolicyState p) {
    int selected = 0;
    long epoch = ++outcomeEpoch;
    int programmed = 0;
    boolean remote = false;
    View gateway = p.gatewayNode == null ? null : views.get(p.gatewayNode);
    for (PodState pod : p.selected) {
      if (pod.ip == null) {
        continue;
      }
      selected++;
      if (pod.view != null && pod.view.epoch != epoch) {
        pod.view.epoch = epoch;
        if (nodes.contains(pod.view.node)) {
          programmed++;
        }
      }
      remote |= pod.view != gateway || gateway == null;
    }
    if (remote && gateway != null && gateway.epoch != epoch && nodes.contains(gateway.node)) {
      programmed++;
    }
    Map<String, String> lost = new TreeMap<>();
    Set<RuleSet> seen = new HashSet<>();
    for (PodState pod : p.selected) {
      if (pod.ip == null || !seen.add(pod.ruleSet)) {
        continue;
      }
      for (PolicyState q : pod.ruleSet.policies) {
        if (q.name.compareTo(p.name) >= 0) {
          break; // sorted by name: only smaller names win
        }
        for (Cidr prefix : p.prefixes) {
          for (Cidr other : q.prefixes) {
            if (prefix.equals(other)) {
              lost.merge(prefix.toString(), q.name, (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
          }
        }
      }
    }
    List<PolicyOutcome.PrefixConflict> conflicts = new ArrayList<>();
    lost.forEach((cidr, winner) -> conflicts.add(new PolicyOutcome.PrefixConflict(cidr, winner)));
    String gatewayIp = p.egress == null ? null : p.egress.gatewayNodeIP();
    String message;
    if (!p.applied) {
      message =
          p.input.gatewayKey() == null || !gateways.containsKey(p.input.gatewayKey())
              ? "not applied: gateway " + p.input.gatewayKey() + " not found"
              : "not applied: gateway " + p.input.gatewayKey() + " has no floating IPs";
    } else if (p.gatewayNode == null) {
      message =
          "egress IP " + p.egressIp + " is not held by any node: selected traffic is dropped";
    } else if (gatewayIp == null) {
      message =
          "gateway node " + p.gatewayNode + " has no known address: selected traffic is dropped";
    } else {
      message = "ready: egress IP " + p.egressIp + " on node " + p.gatewayNode;
    }
    return new PolicyOutcome(
        p.name,
        p.egressId,
        p.applied,
        p.egressIp,
        p.gatewayNode,
        gatewayIp,
        selected,
        programmed,
        conflicts,
        p.invalidCidrs,
        message);
  }

  // --------------------------------------------------------------------------------------------
  // State

  private static final PolicyState[] NONE = new PolicyState[0];
  private static final Comparator<PolicyState> BY_NAME = Comparator.comparing(p -> p.name);

  private static final class NamespaceState {
    final String name;
    Map<String, String> labels = Map.of();
    boolean known;
    final Set<PodState> pods = new HashSet<>();
    /** Applied policies with a rule whose namespaceSelector matches -> those rules' podSelectors. */
    final Map<PolicyState, List<Map<String, String>>> candidates = new LinkedHashMap<>();

    NamespaceState(String name) {
      this.name = name;
    }
  }

  private static final class PodState {
    final String key;
    final Map<String, String> labels;
    final String ip;
    final String node;
    NamespaceState namespace;
    RuleSet ruleSet;
    View view; // of its node, null while unscheduled

    PodState(PodInput in) {
      key = in.key();
      labels = in.labels();
      ip = in.ip();
      node = in.node();
    }
  }

  private static final class PolicyState {
    final String name;
    final int egressId;
    PolicyInput input;
    Cidr[] prefixes = new Cidr[0]; // valid destinations, distinct, in input order
    List<String> invalidCidrs = List.of();
    boolean applied;
    String egressIp;
    String gatewayNode;
    Egress egress;
    final Set<PodState> selected = new HashSet<>();

    PolicyState(String name, int egressId) {
      this.name = name;
      this.egressId = egressId;
    }

    void parseCidrs() {
      Set<Cidr> valid = new LinkedHashSet<>();
      List<String> invalid = new ArrayList<>();
      for (String text : input.destinationCidrs()) {
        Cidr cidr = Cidr.parse(text);
        if (cidr == null) {
          invalid.add(text);
        } else {
          valid.add(cidr);
        }
      }
      prefixes = valid.toArray(new Cidr[0]);
      invalidCidrs = List.copyOf(invalid);
    }
  }

  private static final class RuleSet {
    final int id;
    final Key key;
    final PolicyState[] policies; // sorted by name
    int refs;
    List<Route> routes; // null: recompute

    RuleSet(int id, Key key, PolicyState[] policies) {
      this.id = id;
      this.key = key;
      this.policies = policies;
    }
  }

  private static final List<Route> ABSENT = new ArrayList<>(0);

  /** A rule set shown on one node and how many of the node's sources use it. */
  private static final class Ref {
    final RuleSet ruleSet;
    int count;

    Ref(RuleSet ruleSet) {
      this.ruleSet = ruleSet;
    }
  }

  /**
   * What one node's program shows, maintained as pods come and go: sources (one pod per address:
   * the smallest pod key wins a recycled address) and the rule sets they use. Also records, during
   * one event, the state before the event of everything it touched, so that the event can report
   * exactly whether the program changed without building it.
   */
  private final class View {
    final String node;
    final HashMap<String, PodState> shown = new HashMap<>();
    HashMap<String, List<PodState>> shadowed; // other pods claiming a shown address
    final HashMap<Integer, Ref> refs = new HashMap<>();
    NodeProgram program; // materialized, null when stale
    Map<Integer, List<Route>> rulesCache; // null when stale
    Map<Integer, Egress> egressesCache;
    int pods; // pods scheduled on this node (keeps the view alive)
    long epoch; // outcome counting

    boolean inEvent;
    HashMap<String, Integer> sourcesBefore; // address -> rule set id before the event, -1: absent
    HashMap<Integer, List<Route>> refsBefore; // rule set id -> routes before the event
    boolean slow;
    boolean beforeUnknown;
    NodeProgram before;

    View(String node) {
      this.node = node;
    }

    void touch() {
      if (!inEvent && tracking) {
        inEvent = true;
        touched.add(this);
      }
    }

    void add(PodState pod) {
      touch();
      PodState cur = shown.get(pod.ip);
      if (cur == null) {
        recordSource(pod.ip, -1);
        shown.put(pod.ip, pod);
        addRef(pod.ruleSet);
        return;
      }
      if (pod.key.compareTo(cur.key) < 0) {
        recordSource(pod.ip, ruleSetId(cur));
        removeRef(cur.ruleSet);
        shown.put(pod.ip, pod);
        addRef(pod.ruleSet);
        shadow(cur);
      } else {
        shadow(pod);
      }
    }

    void remove(PodState pod) {
      touch();
      PodState cur = shown.get(pod.ip);
      if (cur != pod) {
        List<PodState> list = shadowed.get(pod.ip);
        list.remove(pod);
        if (list.isEmpty()) {
          shadowed.remove(pod.ip);
        }
        return;
      }
      recordSource(pod.ip, ruleSetId(pod));
      removeRef(pod.ruleSet);
      List<PodState> list = shadowed == null ? null : shadowed.get(pod.ip);
      if (list == null) {
        shown.remove(pod.ip);
        return;
      }
      PodState next = list.get(0);
      for (PodState q : list) {
        if (q.key.compareTo(next.key) < 0) {
          next = q;
        }
      }
      list.remove(next);
      if (list.isEmpty()) {
        shadowed.remove(pod.ip);
      }
      shown.put(pod.ip, next);
      addRef(next.ruleSet);
    }

    private void shadow(PodState pod) {
      if (shadowed == null) {
        shadowed = new HashMap<>();
      }
      shadowed.computeIfAbsent(pod.ip, k -> new ArrayList<>(1)).add(pod);
    }

    private void addRef(RuleSet rs) {
      if (rs == null) {
        return; // unselected: rule set 0 has no routes
      }
      Ref ref = refs.get(rs.id);
      if (ref == null) {
        recordRef(rs.id, ABSENT);
        ref = new Ref(rs);
        refs.put(rs.id, ref);
        rulesCache = null;
        egressesCache = null;
      }
      ref.count++;
    }

    private void removeRef(RuleSet rs) {
      if (rs == null) {
        return;
      }
      Ref ref = refs.get(rs.id);
      if (--ref.count == 0) {
        recordRef(rs.id, slow ? ABSENT : routes(rs));
        refs.remove(rs.id);
        rulesCache = null;
        egressesCache = null;
      }
    }

    private void recordSource(String ip, int id) {
      if (!tracking || slow) {
        return;
      }
      if (sourcesBefore == null) {
        sourcesBefore = new HashMap<>();
      }
      sourcesBefore.putIfAbsent(ip, id);
    }

    private void recordRef(int id, List<Route> routes) {
      if (!tracking || slow) {
        return;
      }
      if (refsBefore == null) {
        refsBefore = new HashMap<>();
      }
      refsBefore.putIfAbsent(id, routes);
    }

    /** After a fast event: does the program differ from before it? */
    boolean differs() {
      if (sourcesBefore != null) {
        for (Map.Entry<String, Integer> e : sourcesBefore.entrySet()) {
          PodState cur = shown.get(e.getKey());
          if ((cur == null ? -1 : ruleSetId(cur)) != e.getValue()) {
            return true;
          }
        }
      }
      if (refsBefore != null) {
        for (Map.Entry<Integer, List<Route>> e : refsBefore.entrySet()) {
          Ref ref = refs.get(e.getKey());
          List<Route> before = e.getValue();
          if (ref == null ? before != ABSENT : before == ABSENT || !before.equals(routes(ref.ruleSet))) {
            return true;
          }
        }
      }
      return false;
    }

    void endEvent() {
      inEvent = false;
      slow = false;
      beforeUnknown = false;
      before = null;
      sourcesBefore = null;
      refsBefore = null;
    }
  }

  /** A set of policies, as their sorted egress ids. */
  private static final class Key {
    static final Comparator<Key> ORDER = (a, b) -> Arrays.compare(a.ids, b.ids);
    final int[] ids;
    final int hash;

    private Key(int[] ids) {
      this.ids = ids;
      this.hash = Arrays.hashCode(ids);
    }

    static Key of(PolicyState[] set) {
      int[] ids = new int[set.length];
      for (int i = 0; i < set.length; i++) {
        ids[i] = set[i].egressId;
      }
      Arrays.sort(ids);
      return new Key(ids);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && hash == k.hash && Arrays.equals(ids, k.ids);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}

package io.egressgw.policy;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one node's program shows, kept up to date as pods come and go: its sources (one pod per
 * address; the smallest pod key wins a recycled address) and the rule sets they use, plus the
 * program built from them, cached until they change.
 *
 * <p>During one event ({@link NodeViews} marks it {@link #inEvent}) it also records the state
 * before the event of every source and rule set it touches, so that {@link #differs} tells exactly
 * whether the program changed without building it: a pod event then costs work proportional to the
 * pod, not to the node. A slow event (routes, egresses or floating IPs may change too) instead
 * keeps the whole program from before, in {@link #before}.
 */
final class NodeView {
  /** Recorded for a rule set the node did not show before the event. */
  private static final List<Route> ABSENT = new ArrayList<>(0);

  final String node;
  private final HashMap<String, PodState> shown = new HashMap<>(); // address -> pod
  private HashMap<String, List<PodState>> shadowed; // other pods claiming a shown address
  private final HashMap<Integer, Ref> refs = new HashMap<>(); // rule set id -> use count
  NodeProgram program; // built, null when stale
  private Map<Integer, List<Route>> rulesCache; // null when stale
  private Map<Integer, Egress> egressesCache;
  int pods; // pods scheduled on this node (keeps the view alive)
  long epoch; // scratch for PolicyOutcomes: counted in the current outcome

  boolean inEvent; // touched by the current event
  private HashMap<String, Integer> sourcesBefore; // address -> rule set id, -1: absent
  private HashMap<Integer, List<Route>> refsBefore; // rule set id -> routes, ABSENT: absent
  boolean slow; // compare whole programs at the end of this event
  boolean beforeUnknown; // slow after a fast change in the same event: report as changed
  NodeProgram before; // the program before a slow event

  NodeView(String node) {
    this.node = node;
  }

  /** A rule set shown on this node and how many of its sources use it. */
  private static final class Ref {
    final RuleSet ruleSet;
    int count;

    Ref(RuleSet ruleSet) {
      this.ruleSet = ruleSet;
    }
  }

  /** Nothing refers to it: no source shown, no pod scheduled here. */
  boolean isEmpty() {
    return shown.isEmpty() && pods == 0;
  }

  void add(PodState pod) {
    PodState cur = shown.get(pod.ip);
    if (cur == null) {
      recordSource(pod.ip, -1);
      shown.put(pod.ip, pod);
      addRef(pod.ruleSet);
      return;
    }
    if (pod.key.compareTo(cur.key) < 0) {
      recordSource(pod.ip, cur.ruleSetId());
      removeRef(cur.ruleSet);
      shown.put(pod.ip, pod);
      addRef(pod.ruleSet);
      shadow(cur);
    } else {
      shadow(pod);
    }
  }

  void remove(PodState pod) {
    PodState cur = shown.get(pod.ip);
    if (cur != pod) {
      List<PodState> list = shadowed.get(pod.ip);
      list.remove(pod);
      if (list.isEmpty()) {
        shadowed.remove(pod.ip);
      }
      return;
    }
    recordSource(pod.ip, pod.ruleSetId());
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
      forgetRules();
    }
    ref.count++;
  }

  private void removeRef(RuleSet rs) {
    if (rs == null) {
      return;
    }
    Ref ref = refs.get(rs.id);
    if (--ref.count == 0) {
      recordRef(rs.id, slow ? ABSENT : rs.routes());
      refs.remove(rs.id);
      forgetRules();
    }
  }

  private void recordSource(String ip, int id) {
    if (!inEvent || slow) {
      return;
    }
    if (sourcesBefore == null) {
      sourcesBefore = new HashMap<>();
    }
    sourcesBefore.putIfAbsent(ip, id);
  }

  private void recordRef(int id, List<Route> routes) {
    if (!inEvent || slow) {
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
        if ((cur == null ? -1 : cur.ruleSetId()) != e.getValue()) {
          return true;
        }
      }
    }
    if (refsBefore != null) {
      for (Map.Entry<Integer, List<Route>> e : refsBefore.entrySet()) {
        Ref ref = refs.get(e.getKey());
        List<Route> was = e.getValue();
        if (ref == null ? was != ABSENT : was == ABSENT || !was.equals(ref.ruleSet.routes())) {
          return true;
        }
      }
    }
    return false;
  }

  /** Forgets what was recorded for the event that just ended. */
  void endEvent() {
    inEvent = false;
    slow = false;
    beforeUnknown = false;
    before = null;
    sourcesBefore = null;
    refsBefore = null;
  }

  /** Rule sets or egresses may have changed (a slow event): rebuild them with the program. */
  void forgetRules() {
    rulesCache = null;
    egressesCache = null;
  }

  /** Builds the program (generation 0) from what the view shows. */
  NodeProgram build(
      List<String> floatingIps, List<String> guardedPrefixes, List<String> excludedPrefixes) {
    HashMap<String, Integer> sources = new HashMap<>((int) (shown.size() / 0.75f) + 1);
    for (Map.Entry<String, PodState> e : shown.entrySet()) {
      sources.put(e.getKey(), e.getValue().ruleSetId());
    }
    if (rulesCache == null) {
      // Rule sets and egresses change only when the rule sets shown change or in a slow event;
      // pod events on a big gateway reuse them.
      Map<Integer, List<Route>> rules = new HashMap<>();
      Map<Integer, Egress> egresses = new HashMap<>();
      for (Ref ref : refs.values()) {
        List<Route> routes = ref.ruleSet.routes();
        rules.put(ref.ruleSet.id, routes);
        for (Route r : routes) {
          if (!egresses.containsKey(r.egressId())) {
            egresses.put(r.egressId(), ref.ruleSet.egressOf(r.egressId()));
          }
        }
      }
      rulesCache = Map.copyOf(rules);
      egressesCache = Map.copyOf(egresses);
    }
    return NodeProgram.adopting(
        node,
        0,
        sources,
        rulesCache,
        egressesCache,
        floatingIps,
        guardedPrefixes,
        excludedPrefixes);
  }
}

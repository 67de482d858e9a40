package io.egressgw.policy;

import io.egressgw.program.NodeProgram;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every node's {@link NodeView} and the change tracking of one event: which views the event
 * touched, which of them need a whole-program comparison ("slow"), and at the end ({@link #flush})
 * exactly which known nodes' programs changed.
 *
 * <p>A pod is shown on its own node (an unselected pod with rule set 0, so that the node's guard
 * does not drop its traffic) and on the gateway nodes of the policies selecting it.
 */
final class NodeViews {
  private final Map<String, NodeView> views = new HashMap<>();
  private final List<NodeView> touched = new ArrayList<>();
  private final Set<String> nodes;
  private final FloatingIpIndex floating;
  private final GuardedPrefixes guard;
  private final ExcludedPrefixes excluded;
  private boolean tracking = true;

  /**
   * @param nodes the known nodes, a live view: only they have programs
   * @param floating what each node's program lists as floating IPs
   * @param guard what every program lists as guarded prefixes
   * @param excluded what every program lists as excluded prefixes
   */
  NodeViews(
      Set<String> nodes,
      FloatingIpIndex floating,
      GuardedPrefixes guard,
      ExcludedPrefixes excluded) {
    this.nodes = nodes;
    this.floating = floating;
    this.guard = guard;
    this.excluded = excluded;
  }

  /** The view of {@code node}, created when new. */
  NodeView get(String node) {
    NodeView v = views.get(node);
    if (v == null) {
      v = new NodeView(node);
      views.put(node, v);
    }
    return v;
  }

  /** The view of {@code node}, or null. */
  NodeView find(String node) {
    return views.get(node);
  }

  /**
   * Turns change tracking off (the full compile, which reports nothing) or back on. While off,
   * views record nothing and {@link #flush} sees no touched view.
   */
  void setTracking(boolean on) {
    tracking = on;
  }

  /** The current program of known node {@code node}, built when stale. */
  NodeProgram program(String node) {
    NodeView v = get(node);
    if (v.program == null) {
      v.program = build(v);
    }
    return v.program;
  }

  /** {@code node} became known: it has a program from now on, built when asked for. */
  void nodeAppeared(String node) {
    get(node).program = null;
  }

  /** {@code node} is no longer known: its program is dropped, its view too when unused. */
  void nodeGone(String node) {
    NodeView v = views.get(node);
    if (v != null) {
      v.program = null;
      if (v.isEmpty()) {
        views.remove(node);
      }
    }
  }

  /** Adds {@code pod} to the nodes that show it; {@code slow}: compare whole programs. */
  void show(PodState pod, boolean slow) {
    for (String node : nodesShowing(pod)) {
      NodeView v = get(node);
      if (slow) {
        markSlow(v);
      }
      touch(v);
      v.add(pod);
    }
  }

  /** Removes {@code pod} from the nodes that show it (call before changing what it is). */
  void hide(PodState pod, boolean slow) {
    for (String node : nodesShowing(pod)) {
      NodeView v = get(node);
      if (slow) {
        markSlow(v);
      }
      touch(v);
      v.remove(pod);
    }
  }

  /** The nodes whose program shows {@code pod}: its own and its policies' gateway nodes. */
  private static List<String> nodesShowing(PodState pod) {
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

  /**
   * This event may change more than sources (routes, egresses, floating IPs): remember the whole
   * program of {@code node} as it is now, to compare after the event. Must precede any change to
   * the view.
   */
  void markSlow(String node) {
    markSlow(get(node));
  }

  private void markSlow(NodeView v) {
    if (v.slow) {
      return;
    }
    v.slow = true;
    if (v.inEvent) {
      v.beforeUnknown = true; // already changed in this event: report it as changed
    } else if (nodes.contains(v.node)) {
      v.before = v.program != null ? v.program : build(v);
    }
    touch(v);
  }

  private void touch(NodeView v) {
    if (!v.inEvent && tracking) {
      v.inEvent = true;
      touched.add(v);
    }
  }

  /** Ends an event: which known nodes' programs differ from before it, sorted. */
  Set<String> flush() {
    Set<String> changed = new TreeSet<>();
    boolean guardChanged = guard.refresh();
    boolean excludedChanged = excluded.refresh();
    if (guardChanged || excludedChanged) {
      // before-snapshots of slow views were taken with the old lists, so they differ too
      for (String node : nodes) {
        NodeView v = views.get(node);
        if (v != null) {
          v.program = null;
        }
        changed.add(node);
      }
    }
    if (touched.isEmpty()) {
      return changed.isEmpty() ? Set.of() : changed;
    }
    for (NodeView v : touched) {
      boolean known = nodes.contains(v.node);
      if (v.slow) {
        v.forgetRules();
        NodeProgram now = known ? build(v) : null;
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
      if (!known && v.isEmpty()) {
        views.remove(v.node);
      }
    }
    touched.clear();
    return changed;
  }

  private NodeProgram build(NodeView v) {
    return v.build(floating.heldBy(v.node), guard.current(), excluded.current());
  }
}

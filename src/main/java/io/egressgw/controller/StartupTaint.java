package io.egressgw.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The start-up taint closes the last window of the start-up guard: a node whose agent has never
 * received a program guards nothing, so a pod scheduled there before that first program could leave
 * with the node's address. Nodes that register with the taint {@value #KEY}{@code :NoSchedule}
 * (kubelet {@code --register-with-taints=egressgw.io/agent-not-ready=:NoSchedule}, or the node
 * pool's taints) get no ordinary pods until the controller removes it, which it does once the
 * node's agent acknowledged its first program (the agent DaemonSet tolerates every taint). Nodes
 * without the taint are left alone. The same pattern as Cilium's {@code
 * node.cilium.io/agent-not-ready}.
 */
public final class StartupTaint {
  public static final String KEY = "egressgw.io/agent-not-ready";

  private StartupTaint() {}

  /** The names of the nodes that carry the taint and whose agent is programmed. */
  public static List<String> releasable(List<Node> nodes, Predicate<String> programmed) {
    List<String> out = new ArrayList<>();
    for (Node n : nodes) {
      if (tainted(n) && programmed.test(n.getMetadata().getName())) {
        out.add(n.getMetadata().getName());
      }
    }
    out.sort(null);
    return out;
  }

  public static boolean tainted(Node n) {
    return n.getSpec() != null
        && n.getSpec().getTaints() != null
        && n.getSpec().getTaints().stream().anyMatch(t -> KEY.equals(t.getKey()));
  }

  /** The node without the taint (the same object, edited). */
  public static Node without(Node n) {
    if (n.getSpec() != null && n.getSpec().getTaints() != null) {
      List<Taint> kept = new ArrayList<>(n.getSpec().getTaints());
      kept.removeIf(t -> KEY.equals(t.getKey()));
      n.getSpec().setTaints(kept);
    }
    return n;
  }
}

package io.egressgw.controller;

import io.egressgw.program.NodeProgram;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The order in which changed programs reach their nodes (make before break). Pure: no I/O, no clock.
 *
 * <p>A gateway node forwards a steered packet with the floating IP only if its own program already
 * knows the pod and the route; a source node steers as soon as its program says so. So a change that
 * starts steering (a pod becomes selected, a destination is added, a floating IP moves) must reach
 * the gateway first, or the first packets reach a gateway that does not know them and leave
 * masqueraded with that gateway node's own address. Changed programs are therefore delivered in
 * three steps, each after the previous step's live nodes acknowledged (or {@code stepTimeout}
 * passed, so that a slow or dying agent delays the others by a bounded time only):
 *
 * <ol>
 *   <li>{@link Step#GATEWAYS}: nodes that are gateways in their new program (hold a floating IP or
 *       SNAT an egress);
 *   <li>{@link Step#SOURCES}: every other node that is not losing the gateway role;
 *   <li>{@link Step#RETIRING}: nodes that were gateways and are no longer (the old holder lets go
 *       of a floating IP only after the sources point elsewhere).
 * </ol>
 *
 * <p>A change that stops steering runs in the same order: the gateway forgets the pod first, and
 * for at most one step the pod's packets leave through the gateway node masqueraded with that
 * node's address instead of their own node's (neither is an allowlisted address and the policy no
 * longer applies; nothing is dropped).
 *
 * <p>Held programs are replaced by newer ones of the same node; the step of a node is decided when it
 * is released, from its newest program. Not thread-safe: the reconcile thread owns it.
 */
public final class Rollout {
  /** Delivery steps, in order. */
  public enum Step {
    GATEWAYS,
    SOURCES,
    RETIRING
  }

  private final Duration stepTimeout;
  private final Map<String, NodeProgram> held = new TreeMap<>();
  private final Set<String> awaited = new HashSet<>();
  private Step current = Step.GATEWAYS;
  private Instant deadline = Instant.MIN;

  public Rollout(Duration stepTimeout) {
    this.stepTimeout = stepTimeout;
  }

  /** Holds these programs (newest per node) until their step is released. */
  public void offer(Map<String, NodeProgram> changed) {
    held.putAll(changed);
  }

  /** True when {@code node} has a program that is not released yet. */
  public boolean holds(String node) {
    return held.containsKey(node);
  }

  /** Forgets a node (deleted from the cluster). */
  public void drop(String node) {
    held.remove(node);
    awaited.remove(node);
  }

  /** Forgets everything (a new leadership: programs are recompiled). */
  public void clear() {
    held.clear();
    awaited.clear();
    current = Step.GATEWAYS;
    deadline = Instant.MIN;
  }

  /** The step of a node whose published program is {@code before} (null: none) and new is {@code after}. */
  public static Step step(NodeProgram before, NodeProgram after) {
    if (isGateway(after)) {
      return Step.GATEWAYS;
    }
    return isGateway(before) ? Step.RETIRING : Step.SOURCES;
  }

  /** True when the program makes its node hold a floating IP or SNAT some egress. */
  public static boolean isGateway(NodeProgram p) {
    if (p == null) {
      return false;
    }
    if (!p.floatingIPs().isEmpty()) {
      return true;
    }
    for (NodeProgram.Egress e : p.egresses().values()) {
      if (p.node().equals(e.gatewayNode())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Releases what may be delivered now.
   *
   * @param published the program each node currently has published (null: none)
   * @param waitFor true for a node whose acknowledgement is worth waiting for (its agent is alive and
   *     has not acknowledged its current program yet); called after the caller published a release
   * @param publish publishes the released programs; returns the nodes whose published state changed
   * @return when to call again if something is still held (the current step's deadline)
   */
  public Optional<Instant> release(
      Instant now,
      Function<String, NodeProgram> published,
      Predicate<String> waitFor,
      Function<Map<String, NodeProgram>, Iterable<String>> publish) {
    awaited.removeIf(n -> !waitFor.test(n));
    while (!held.isEmpty()) {
      Map<Step, Map<String, NodeProgram>> bySteps = new TreeMap<>();
      held.forEach((node, program) -> bySteps
          .computeIfAbsent(step(published.apply(node), program), s -> new TreeMap<>())
          .put(node, program));
      Step first = bySteps.keySet().iterator().next();
      boolean waiting = !awaited.isEmpty() && now.isBefore(deadline);
      if (waiting && first.compareTo(current) > 0) {
        return Optional.of(deadline);
      }
      Map<String, NodeProgram> batch = bySteps.get(first);
      batch.keySet().forEach(held::remove);
      if (!waiting || first != current) {
        awaited.clear();
        current = first;
        deadline = now.plus(stepTimeout);
      }
      for (String node : publish.apply(batch)) {
        if (waitFor.test(node)) {
          awaited.add(node);
        }
      }
    }
    return Optional.empty();
  }
}

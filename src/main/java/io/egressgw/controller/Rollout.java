package io.egressgw.controller;

import io.egressgw.program.NodeProgram;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The order in which changed programs reach their nodes (make before break). Pure: no I/O, no
 * clock.
 *
 * <p>A gateway forwards a steered packet with the floating IP only if its own program already lists
 * the pod and the route; a source node steers as soon as its program says so. So a change that
 * makes a node steer a pod somewhere new (a pod becomes selected, a destination is added, a
 * floating IP moves) must reach the gateways first, or the first packets reach a gateway that does
 * not know them and leave masqueraded with that gateway node's own address. Changed programs are
 * delivered in three steps, each after the previous step's awaited nodes acknowledged (or {@code
 * stepTimeout} passed since that node's program was published, so that a slow or dying agent delays
 * the others by a bounded time only):
 *
 * <ol>
 *   <li>{@link Step#FIRST}: every change that does not make its node steer anything new: gateways
 *       learning pods and routes, a new floating IP holder, unselected pods, guarded prefixes. Only
 *       the nodes that serve as a gateway in their new program are waited for;
 *   <li>{@link Step#STEERING}: nodes that steer a pod to a gateway where they did not before (new
 *       pod, new route, or another gateway); all of them are waited for before step 3;
 *   <li>{@link Step#RETIRING}: nodes that were gateways and are no longer (the old holder stops
 *       SNATing only after the sources point elsewhere).
 * </ol>
 *
 * <p>A change that stops steering runs in step 1 everywhere: for one step a deselected pod's
 * packets may reach the gateway that already forgot it, and leave masqueraded with that node's
 * address instead of the pod's own node's; neither is an allowlisted address and the policy no
 * longer applies; nothing is dropped. Connections open while a pod becomes selected keep their
 * original address (its node's conntrack binding applies before the gateway sees them).
 *
 * <p>Held programs are replaced by newer ones of the same node; a node's step is decided when its
 * program is offered, against the program published for it then. Not thread-safe: the reconcile
 * thread owns it.
 */
public final class Rollout {
  /** Delivery steps, in order. */
  public enum Step {
    FIRST,
    STEERING,
    RETIRING
  }

  private record Held(NodeProgram program, Step step, boolean awaited) {}

  private final Duration stepTimeout;
  private final Map<String, Held> held = new TreeMap<>();

  /** Awaited nodes of the current step, each until its own deadline. */
  private final Map<String, Instant> awaited = new HashMap<>();

  /**
   * When release first saw each held node's pending program (kept when a newer one replaces it).
   */
  private final Map<String, Instant> heldSince = new HashMap<>();

  // awaited nodes a later step went out without (their deadline passed unacknowledged)
  private final Set<String> passedOver = new java.util.TreeSet<>();
  private Step current = Step.FIRST;

  public Rollout(Duration stepTimeout) {
    this.stepTimeout = stepTimeout;
  }

  /**
   * Holds these programs (newest per node) until their step is released.
   *
   * @param published the program each node has published now (null: none)
   */
  public void offer(Map<String, NodeProgram> changed, Function<String, NodeProgram> published) {
    offer(changed, published, node -> false);
  }

  /**
   * Holds these programs (newest per node) until their step is released.
   *
   * @param published the program each node has published now (null: none)
   * @param down true for a node declared Down: steering away from it is a failover, not a move (see
   *     {@link #step(NodeProgram, NodeProgram, Predicate)})
   */
  public void offer(
      Map<String, NodeProgram> changed,
      Function<String, NodeProgram> published,
      Predicate<String> down) {
    changed.forEach(
        (node, program) -> {
          Step step = step(published.apply(node), program, down);
          held.put(node, new Held(program, step, step != Step.FIRST || serves(program)));
        });
  }

  /** True when {@code node} has a program that is not released yet. */
  public boolean holds(String node) {
    return held.containsKey(node);
  }

  /** Forgets a node (deleted from the cluster). */
  public void drop(String node) {
    held.remove(node);
    heldSince.remove(node);
    awaited.remove(node);
  }

  /** Forgets everything (a new leadership: programs are recompiled). */
  public void clear() {
    held.clear();
    awaited.clear();
    heldSince.clear();
    current = Step.FIRST;
  }

  /**
   * The step of a node whose published program is {@code before} (null: none) and new is {@code
   * after}.
   */
  public static Step step(NodeProgram before, NodeProgram after) {
    return step(before, after, node -> false);
  }

  /**
   * The step of a node whose published program is {@code before} (null: none) and new is {@code
   * after}, where {@code down} names the nodes declared Down. A source that steered a route to a
   * gateway that is Down and now steers it to another one is <em>failing over</em>: its packets to
   * the dead gateway are lost anyway, so waiting for the new gateway's acknowledgement only makes
   * the outage one step longer. It goes out in the first step, beside the new holder. Until the new
   * holder has applied its program, what arrives there is dropped ({@code egw_gateway}: a pod's
   * packet to a guarded destination that the node does not SNAT; never forwarded masqueraded), so
   * nothing leaves with a wrong source address. A planned move (the old gateway is Up) keeps make
   * before break.
   */
  public static Step step(NodeProgram before, NodeProgram after, Predicate<String> down) {
    if (serves(before) && !serves(after)) {
      return Step.RETIRING;
    }
    return steersSomethingNew(before, after, down) ? Step.STEERING : Step.FIRST;
  }

  /** True when the program makes its node SNAT for some egress (it holds that egress's IP). */
  public static boolean serves(NodeProgram p) {
    if (p == null) {
      return false;
    }
    for (NodeProgram.Egress e : p.egresses().values()) {
      if (p.node().equals(e.gatewayNode())) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when some source of {@code after} is steered to another node where {@code before} did not
   * steer it the same way (destinations and gateway node address per route).
   */
  static boolean steersSomethingNew(NodeProgram before, NodeProgram after) {
    return steersSomethingNew(before, after, node -> false);
  }

  /**
   * As {@link #steersSomethingNew(NodeProgram, NodeProgram)}, except that a route steered before to
   * a gateway in {@code down} counts as steered already, wherever it is steered now.
   */
  static boolean steersSomethingNew(NodeProgram before, NodeProgram after, Predicate<String> down) {
    Map<Integer, List<Steering>> afterSteering = new HashMap<>();
    Map<Integer, List<Steering>> beforeSteering = new HashMap<>();
    for (Map.Entry<String, Integer> s : after.sources().entrySet()) {
      List<Steering> now = afterSteering.computeIfAbsent(s.getValue(), rs -> steering(after, rs));
      if (now.isEmpty()) {
        continue;
      }
      Integer old = before == null ? null : before.sources().get(s.getKey());
      List<Steering> then =
          old == null ? List.of() : beforeSteering.computeIfAbsent(old, rs -> steering(before, rs));
      for (Steering n : now) {
        if (!then.contains(n) && !failsOver(n, then, down)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * True when {@code then} steered n's route, with the same egress IP, to a gateway that is Down
   * now: that IP moved off a failed node. (Another egress IP on the route is a policy change, which
   * keeps make before break even while the old gateway is Down.)
   */
  private static boolean failsOver(Steering n, List<Steering> then, Predicate<String> down) {
    for (Steering t : then) {
      if (t.cidr().equals(n.cidr())
          && Objects.equals(t.egressIP(), n.egressIP())
          && t.gatewayNode() != null
          && down.test(t.gatewayNode())) {
        return true;
      }
    }
    return false;
  }

  /** One route a node steers: destination, egress IP, gateway node and its address. */
  private record Steering(String cidr, String egressIP, String gatewayNode, String gatewayNodeIP) {}

  /** Each route of the rule set whose egress another node holds. */
  private static List<Steering> steering(NodeProgram p, int ruleSet) {
    List<Steering> out = new ArrayList<>();
    for (NodeProgram.Route r : p.ruleSets().getOrDefault(ruleSet, List.of())) {
      NodeProgram.Egress e = p.egresses().get(r.egressId());
      if (e != null && !Objects.equals(p.node(), e.gatewayNode())) {
        out.add(new Steering(r.cidr(), e.egressIP(), e.gatewayNode(), e.gatewayNodeIP()));
      }
    }
    return out;
  }

  /**
   * Releases what may be delivered now.
   *
   * <p>Each awaited node is waited for {@code stepTimeout} from the moment its program was
   * published: a gateway that receives a newer program while the step is open (a floating IP was
   * just placed on it, then a policy names it) gets the full wait for that newer program, not what
   * was left of the first one's. A held program is never kept back longer than three step timeouts,
   * so that a stream of changes to one slow gateway cannot hold the others back forever.
   *
   * @param waitFor true for a node whose acknowledgement is worth waiting for (its agent is alive
   *     and has not acknowledged its current program yet); called after the caller published a
   *     release
   * @param publish publishes the released programs; returns the nodes whose published state changed
   * @return when to call again if something is still held
   */
  public Optional<Instant> release(
      Instant now,
      Predicate<String> waitFor,
      Function<Map<String, NodeProgram>, Iterable<String>> publish) {
    awaited.keySet().removeIf(n -> !waitFor.test(n));
    held.keySet().forEach(n -> heldSince.putIfAbsent(n, now));
    Duration longest = stepTimeout.multipliedBy(3);
    while (!held.isEmpty()) {
      Step first = held.values().stream().map(Held::step).min(Step::compareTo).orElseThrow();
      Optional<Instant> waitUntil =
          awaited.values().stream().filter(now::isBefore).max(Instant::compareTo);
      boolean waiting = waitUntil.isPresent();
      if (waiting && first.compareTo(current) > 0) {
        Instant overdue =
            held.entrySet().stream()
                .filter(e -> e.getValue().step() == first)
                .map(e -> heldSince.get(e.getKey()).plus(longest))
                .min(Instant::compareTo)
                .orElseThrow();
        if (now.isBefore(overdue)) {
          return Optional.of(min(waitUntil.get(), overdue));
        }
      }
      if (first.compareTo(current) > 0) {
        passedOver.addAll(awaited.keySet()); // still unacknowledged, and no longer waited for
      }
      Map<String, NodeProgram> batch = new TreeMap<>();
      Set<String> toAwait = new HashSet<>();
      held.entrySet()
          .removeIf(
              e -> {
                if (e.getValue().step() != first) {
                  return false;
                }
                batch.put(e.getKey(), e.getValue().program());
                heldSince.remove(e.getKey());
                if (e.getValue().awaited()) {
                  toAwait.add(e.getKey());
                }
                return true;
              });
      if (!waiting || first != current) {
        awaited.clear();
        current = first;
      }
      for (String node : publish.apply(batch)) {
        if (toAwait.contains(node) && waitFor.test(node)) {
          awaited.put(node, now.plus(stepTimeout));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The awaited nodes that a later step went out without since the last call (their time ran out
   * before they acknowledged), and forgets them: worth a warning, since the sources of such a
   * gateway may steer to it before it knows them.
   */
  public Set<String> takePassedOver() {
    Set<String> out = Set.copyOf(passedOver);
    passedOver.clear();
    return out;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}

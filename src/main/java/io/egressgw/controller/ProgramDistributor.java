package io.egressgw.controller;

import io.egressgw.program.NodeProgram;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Per node: the last compiled program, its generation, the waiting long-polls, and what the node's
 * agent last acknowledged. A generation increases only when the node's state changes ({@link
 * NodeProgram#sameStateAs}).
 *
 * <p>Generations start at a per-leadership epoch (the leadership start in milliseconds), so a new
 * leader's programs are newer than any an agent applied from the previous leader; should an agent
 * still report a higher generation (clock skew), the current program is renumbered above it, which
 * re-sends the same state (harmless: applying is idempotent).
 *
 * <p>It also measures rollouts: from a node's program changing (the earliest change its agent has
 * not acknowledged yet, so a change superseded before it arrived still counts from its own
 * publication) to the agent acknowledging the current one ({@link #onRolledOut}). A node whose
 * agent never acknowledges adds no sample; its lag shows in the generations it is behind.
 */
public final class ProgramDistributor {
  /** What one node's agent acknowledged. */
  public record Ack(String agentId, long appliedGeneration) {}

  /** Programs kept per node to compute deltas against (the agent may still hold an older one). */
  static final int RECENT = 4;

  private static final class NodeState {
    NodeProgram program;
    Ack ack;
    boolean unacknowledged; // a change was published that the agent has not acknowledged yet
    long changedAt; // nanoTime of the earliest such change
    final List<Waiter> waiters = new ArrayList<>();
    final java.util.LinkedHashMap<Long, NodeProgram> recent = new java.util.LinkedHashMap<>();

    void set(NodeProgram p) {
      program = p;
      recent.put(p.generation(), p);
      if (recent.size() > RECENT) {
        recent.remove(recent.keySet().iterator().next());
      }
    }
  }

  private record Waiter(long after, CompletableFuture<Optional<NodeProgram>> future) {}

  private final Map<String, NodeState> nodes = new HashMap<>();
  private final LongSupplier nanoTime;
  private volatile LongConsumer rolledOut = nanos -> {};
  private long epoch;

  public ProgramDistributor() {
    this(System::nanoTime);
  }

  /** With the monotonic clock rollouts are measured on (tests drive their own). */
  ProgramDistributor(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * Called, outside any lock, with the nanoseconds from a node's program changing to its agent
   * acknowledging it (see the class comment).
   */
  public void onRolledOut(LongConsumer listener) {
    this.rolledOut = listener;
  }

  /** Starts a new leadership: programs are recompiled and numbered from {@code epoch}. */
  public void reset(long epoch) {
    List<Waiter> dropped = new ArrayList<>();
    synchronized (this) {
      this.epoch = epoch;
      nodes.values().forEach(s -> dropped.addAll(s.waiters));
      nodes.clear();
    }
    dropped.forEach(w -> w.future().cancel(false));
  }

  /** Drops every program and fails waiting polls (leadership lost). */
  public void stop() {
    reset(0);
  }

  /**
   * Publishes the desired program of each node in {@code desired} (their generations are ignored).
   * Nodes not in the map keep their program. Returns the nodes whose program changed.
   */
  public List<String> publish(Map<String, NodeProgram> desired) {
    List<String> changed = new ArrayList<>();
    List<Runnable> wakeUps = new ArrayList<>();
    long now = nanoTime.getAsLong();
    synchronized (this) {
      desired.forEach(
          (node, program) -> {
            NodeState s = nodes.computeIfAbsent(node, n -> new NodeState());
            if (s.program != null && s.program.sameStateAs(program)) {
              return;
            }
            long base = s.program == null ? epoch : s.program.generation();
            if (s.ack != null && renumberable(s.ack.appliedGeneration())) {
              base = Math.max(base, s.ack.appliedGeneration());
            }
            s.set(program.withGeneration(base + 1));
            if (!s.unacknowledged) {
              s.unacknowledged = true;
              s.changedAt = now;
            }
            changed.add(node);
            wake(s, wakeUps);
          });
    }
    wakeUps.forEach(Runnable::run);
    return changed;
  }

  /** Removes a node (deleted from the cluster). */
  public void remove(String node) {
    NodeState s;
    synchronized (this) {
      s = nodes.remove(node);
    }
    if (s != null) {
      s.waiters.forEach(w -> w.future().complete(Optional.empty()));
    }
  }

  /**
   * Completes with the node's program as soon as one with a generation above {@code after} exists,
   * or with empty after {@code timeout}.
   */
  public CompletableFuture<Optional<NodeProgram>> await(String node, long after, Duration timeout) {
    List<Runnable> wakeUps = new ArrayList<>();
    CompletableFuture<Optional<NodeProgram>> f = new CompletableFuture<>();
    Waiter w = new Waiter(after, f);
    synchronized (this) {
      NodeState s = nodes.computeIfAbsent(node, n -> new NodeState());
      renumberAbove(s, after, wakeUps);
      if (s.program != null && s.program.generation() > after) {
        f.complete(Optional.of(s.program));
      } else {
        s.waiters.add(w);
      }
    }
    wakeUps.forEach(Runnable::run);
    if (f.isDone()) {
      return f;
    }
    var unused =
        f.completeOnTimeout(Optional.empty(), timeout.toMillis(), TimeUnit.MILLISECONDS)
            .whenComplete((r, e) -> forget(node, w));
    return f;
  }

  /**
   * Records an agent's heartbeat acknowledgement; returns the node's current generation (0: none).
   */
  public long acknowledge(String node, String agentId, long appliedGeneration) {
    List<Runnable> wakeUps = new ArrayList<>();
    long generation;
    long took = -1;
    synchronized (this) {
      NodeState s = nodes.computeIfAbsent(node, n -> new NodeState());
      // The same agent never un-applies: a lower generation from it is a heartbeat that was built
      // before a poll acknowledged the newer one and overtook it. Another agent (a restart) may.
      if (s.ack == null
          || !java.util.Objects.equals(s.ack.agentId(), agentId)
          || appliedGeneration >= s.ack.appliedGeneration()) {
        s.ack = new Ack(agentId, appliedGeneration);
      }
      renumberAbove(s, appliedGeneration, wakeUps);
      generation = s.program == null ? 0 : s.program.generation();
      if (s.unacknowledged && s.ack.appliedGeneration() == generation) {
        s.unacknowledged = false;
        took = Math.max(0, nanoTime.getAsLong() - s.changedAt);
      }
    }
    wakeUps.forEach(Runnable::run);
    if (took >= 0) {
      rolledOut.accept(took);
    }
    return generation;
  }

  /**
   * A program poll asking for what comes after {@code applied}: the agent polls with the generation
   * it applied last, so the poll is an acknowledgement that arrives one round trip after the apply
   * (heartbeats carry it too, up to an interval later). Returns true when it moved the node's
   * acknowledged generation.
   */
  public boolean acknowledgePoll(String node, long applied) {
    Optional<Ack> before = ack(node);
    acknowledge(node, before.map(Ack::agentId).orElse(null), applied);
    return !ack(node).equals(before);
  }

  public synchronized Optional<NodeProgram> program(String node) {
    return Optional.ofNullable(nodes.get(node)).map(s -> s.program);
  }

  /** The program this leader published for {@code node} under {@code generation}, if still kept. */
  public synchronized Optional<NodeProgram> published(String node, long generation) {
    NodeState s = nodes.get(node);
    return s == null ? Optional.empty() : Optional.ofNullable(s.recent.get(generation));
  }

  public synchronized Optional<Ack> ack(String node) {
    return Optional.ofNullable(nodes.get(node)).map(s -> s.ack);
  }

  /** True when the node's agent acknowledged its current program (or the node has none). */
  public synchronized boolean programmed(String node) {
    NodeState s = nodes.get(node);
    if (s == null || s.program == null) {
      return false;
    }
    // Only the generation this leader issued last counts: an acknowledgement above it was
    // renumbered
    // above at once, unless it cannot be (Long.MAX_VALUE), and then it acknowledges nothing.
    return s.ack != null && s.ack.appliedGeneration() == s.program.generation();
  }

  /**
   * Whether a program can be numbered above {@code reported}: not above Long.MAX_VALUE, which no
   * leader issues (its generations start at its leadership start in milliseconds), so an agent
   * reporting it lies or has corrupted maps; it is sent programs numbered as usual and never counts
   * as programmed.
   */
  private static boolean renumberable(long reported) {
    return reported < Long.MAX_VALUE;
  }

  public synchronized int waiting() {
    return nodes.values().stream().mapToInt(s -> s.waiters.size()).sum();
  }

  private void renumberAbove(NodeState s, long reported, List<Runnable> wakeUps) {
    if (s.program != null && reported > s.program.generation() && renumberable(reported)) {
      // The agent applied a generation this leader never issued (previous leader, skewed clock).
      s.set(s.program.withGeneration(reported + 1));
      wake(s, wakeUps);
    }
  }

  /** Completes matching polls after the lock is released (completion writes the HTTP answer). */
  private static void wake(NodeState s, List<Runnable> wakeUps) {
    NodeProgram program = s.program;
    for (Waiter w : List.copyOf(s.waiters)) {
      if (program.generation() > w.after()) {
        s.waiters.remove(w);
        wakeUps.add(() -> w.future().complete(Optional.of(program)));
      }
    }
  }

  private synchronized void forget(String node, Waiter w) {
    NodeState s = nodes.get(node);
    if (s != null) {
      s.waiters.remove(w);
    }
  }
}

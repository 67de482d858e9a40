package io.egressgw.controller;

import io.egressgw.program.NodeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which agents are alive, from their heartbeats. An agent is alive while its last heartbeat is
 * younger than the miss window (interval x miss-count), and, where its report says how long its
 * floating IPs outlive it ({@link NodeReport#silentAfterMillis()}), until that has surely passed
 * too: a node is declared Down only once it can no longer answer for its floating IPs, so that
 * moving them never makes two owners. A replica that has just become leader counts its leadership
 * start as a heartbeat of every agent (the grace period): agents were heartbeating the previous
 * leader and need one window to find the new one.
 *
 * <p>Times are passed in, never read here, so tests drive it with any clock.
 */
public final class AgentLiveness {
  /** A node whose liveness changed at the last {@link #sweep}. */
  public record Transition(String node, boolean alive, Instant lastHeartbeat) {}

  private record Agent(NodeReport report, Instant lastHeartbeat) {}

  /** Added to an agent's silence bound: scheduling slack of its heartbeat timer. */
  static final Duration SILENCE_MARGIN = Duration.ofMillis(25);

  /** The largest silence bound believed from a report: a node must not stay Up forever. */
  static final long MAX_SILENCE_MILLIS = 30_000;

  private final Duration window;
  private final Duration grace;
  private final Map<String, Agent> agents = new HashMap<>();
  private final Map<String, Boolean> lastVerdict = new HashMap<>();

  /** Nodes that were alive when the controller itself stalled: counted as heard at that time. */
  private final Map<String, Instant> stallFloors = new HashMap<>();

  /**
   * Nodes back from a silence of at least {@link #RETURN_AFTER} and not judged Up since, with the
   * time they are heard again from (their first heartbeat after it, or after a later silence as
   * long as their window).
   */
  private final Map<String, Instant> returnedAt = new HashMap<>();

  /** A silence at least this long is a restart or a real outage, not a late heartbeat. */
  static final Duration RETURN_AFTER = Duration.ofSeconds(1);

  private Instant graceStart;

  /** When the last {@link #sweep} ran. */
  private Instant lastSweepAt;

  public AgentLiveness(Duration missWindow) {
    this(missWindow, missWindow);
  }

  /**
   * {@code leaderGrace}: how long a new leader waits for agents before it judges or places anything
   * (at least the miss window). Agents reach a new leader only once its pod label has moved the
   * leader-only Service's endpoints (EndpointSlice, kube-proxy: a second or more).
   */
  public AgentLiveness(Duration missWindow, Duration leaderGrace) {
    this.window = missWindow;
    this.grace = leaderGrace.compareTo(missWindow) > 0 ? leaderGrace : missWindow;
  }

  public Duration window() {
    return window;
  }

  /** Records a heartbeat; returns the previous report of this node, if any. */
  public synchronized Optional<NodeReport> heartbeat(NodeReport report, Instant at) {
    Agent previous = agents.put(report.node(), new Agent(report, at));
    if (previous != null
        && (!at.isBefore(previous.lastHeartbeat().plus(RETURN_AFTER))
            || (returnedAt.containsKey(report.node())
                && !at.isBefore(previous.lastHeartbeat().plus(windowOf(report.node())))))) {
      // back from a long silence, or silent again before it was judged Up: heard since now
      returnedAt.put(report.node(), at);
    }
    return Optional.ofNullable(previous).map(Agent::report);
  }

  /** Starts a grace period at {@code leaderSince}; forgets verdicts of a previous leadership. */
  public synchronized void startGrace(Instant leaderSince) {
    graceStart = leaderSince;
    lastVerdict.clear();
  }

  /**
   * The controller itself stalled for {@code stall}, until {@code now} (a stop-the-world pause,
   * SIGSTOP, a starved sweep thread): heartbeats that arrived meanwhile may not have been read yet,
   * so silence during the stall proves nothing. Every node alive at the last sweep has the stall
   * credited to its last heartbeat: it gets the rest of its window after the stall to be heard
   * again. Nodes already Down stay Down.
   */
  public synchronized void stalledUntil(Instant now, Duration stall) {
    lastVerdict.forEach(
        (node, alive) -> {
          Instant last = effectiveLast(node);
          if (alive && last != null) {
            // credit the stall only: silence outside stalls keeps adding up, so recurring stalls
            // cannot keep a dead node Up for ever
            stallFloors.put(node, last.plus(stall));
          }
        });
  }

  /** True while the grace period of the current leadership lasts. */
  public synchronized boolean inGrace(Instant now) {
    return graceStart != null && now.isBefore(graceStart.plus(grace));
  }

  public synchronized Optional<Instant> graceEnd() {
    return Optional.ofNullable(graceStart).map(g -> g.plus(grace));
  }

  /**
   * A node is alive while its last heartbeat is younger than its window. A node declared Down after
   * a silence of at least {@link #RETURN_AFTER} (a restart, a real outage) comes back only once it
   * has been heard steadily for one window since (no silence as long as the window in between): a
   * just-restarted agent sends its first heartbeat during its start-up and may then fall silent for
   * a second (JIT, its first program's apply), so counting that one heartbeat made it Up, then Down
   * again 375 ms later, and gave it (and took back) standby roles in between (BENCHMARKS "Failover
   * in the lab"). A node heard again after a shorter silence (late heartbeats of a loaded node,
   * held by the "Down together" rule) is alive at once, as is a node never judged, and every node
   * under a new leadership.
   */
  public synchronized boolean alive(String node, Instant now) {
    Instant last = effectiveLast(node);
    if (last == null || !now.isBefore(last.plus(windowOf(node)))) {
      return false;
    }
    Instant returned = returnedAt.get(node);
    if (returned != null && Boolean.FALSE.equals(lastVerdict.get(node))) {
      Agent a = agents.get(node);
      return a != null && !a.lastHeartbeat().isBefore(returned.plus(window));
    }
    return true;
  }

  /**
   * Whether placement may count {@code node} as Up: by its heartbeats, as long as the sweep runs on
   * time; while the last {@link #sweep} is more than half a window old (the controller stalled: a
   * pause, SIGSTOP, a starved thread), a node that sweep judged Up stays Up until the next sweep,
   * which alone can tell a stall from silence and credits it ({@link #stalledUntil}). Read from the
   * heartbeats alone, a reconcile that ran right after a 1 s SIGSTOP of the controller, before the
   * first sweep, saw the holder whose heartbeat was not read yet as Down while another node's was,
   * and moved its floating IPs with no Down verdict (lab chaos, controller-stop, 2026-12-02).
   */
  public synchronized boolean judgedAlive(String node, Instant now) {
    boolean sweepLate =
        lastSweepAt != null
            && Duration.between(lastSweepAt, now).compareTo(window.dividedBy(2)) > 0;
    return (sweepLate && Boolean.TRUE.equals(lastVerdict.get(node))) || alive(node, now);
  }

  /** The miss window of {@code node}: at least its floating IPs' silence bound plus a margin. */
  public synchronized Duration windowOf(String node) {
    Agent a = agents.get(node);
    long silent = a == null ? 0 : Math.min(a.report().silentAfterMillis(), MAX_SILENCE_MILLIS);
    Duration bound = Duration.ofMillis(silent).plus(SILENCE_MARGIN);
    return silent > 0 && bound.compareTo(window) > 0 ? bound : window;
  }

  public synchronized Optional<NodeReport> report(String node) {
    return Optional.ofNullable(agents.get(node)).map(Agent::report);
  }

  public synchronized Optional<Instant> lastHeartbeat(String node) {
    return Optional.ofNullable(agents.get(node)).map(Agent::lastHeartbeat);
  }

  public synchronized Map<String, NodeReport> reports() {
    Map<String, NodeReport> out = new HashMap<>();
    agents.forEach((n, a) -> out.put(n, a.report()));
    return out;
  }

  /** Nodes whose verdict changed since the previous sweep, among {@code nodes}. */
  public synchronized List<Transition> sweep(Iterable<String> nodes, Instant now) {
    lastSweepAt = now;
    List<Transition> out = new ArrayList<>();
    java.util.Set<String> names = new java.util.HashSet<>();
    nodes.forEach(names::add);
    // A deleted Node has no verdict: it is neither Up nor Down (the mass-failure guard counts
    // both).
    lastVerdict.keySet().retainAll(names);
    stallFloors.keySet().retainAll(names);
    returnedAt.keySet().retainAll(names);
    for (String node : nodes) {
      boolean alive = alive(node, now);
      Boolean before = lastVerdict.put(node, alive);
      if (alive) {
        returnedAt.remove(node); // judged Up: it is back
      }
      if (before != null && before != alive) {
        Agent a = agents.get(node);
        out.add(new Transition(node, alive, a == null ? null : a.lastHeartbeat()));
      }
    }
    return out;
  }

  /** The verdict of every node at the last {@link #sweep}: alive or not. */
  public synchronized Map<String, Boolean> verdicts() {
    return Map.copyOf(lastVerdict);
  }

  /** The last heartbeat of every node that has one. */
  public synchronized Map<String, Instant> lastHeartbeats() {
    Map<String, Instant> out = new HashMap<>();
    agents.forEach((n, a) -> out.put(n, a.lastHeartbeat()));
    return out;
  }

  public synchronized void forget(String node) {
    agents.remove(node);
    returnedAt.remove(node);
    lastVerdict.remove(node);
    stallFloors.remove(node);
  }

  private Instant effectiveLast(String node) {
    Agent a = agents.get(node);
    Instant last = a == null ? null : a.lastHeartbeat();
    // Every agent counts as heard one window before the grace period ends: alive through it.
    Instant graceFloor = graceStart == null ? null : graceStart.plus(grace).minus(window);
    if (graceFloor != null && (last == null || last.isBefore(graceFloor))) {
      last = graceFloor;
    }
    Instant floor = stallFloors.get(node);
    if (floor != null && (last == null || last.isBefore(floor))) {
      last = floor;
    }
    return last;
  }
}

package io.egressgw.controller;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller's relay of conntrack replication (issue 13, docs/ARCHITECTURE.md "Conntrack
 * replication"): agents reach only the leader, so the primary of a floating IP posts its batches
 * here and the IP's standby long-polls for them. The relay accepts a batch only from the node the
 * current assignment names as the IP's holder, and queues it only for the node placement names as
 * its standby: neither agent chooses its peer.
 *
 * <p>Each standby has one queue, bounded in bytes: a batch that does not fit is dropped and
 * counted, and the IP is marked as needing a full dump, which the primary learns from its next
 * heartbeat answer ({@link #resyncFor}). So is every IP whose holder or standby changed ({@link
 * #placed}), and every IP after a leader change (a new relay knows nothing delivered). An IP's
 * state is {@link #delivered} to its standby once a full dump's last batch and everything queued
 * after it were taken by that standby's poll: what a planned hand-over waits for, with the
 * standby's own report.
 *
 * <p>Batches are opaque JSON objects here (the agent's {@code ReplicationBatch}); the relay reads
 * only their floating IP and dump flags. Thread-safe: heartbeats, posts and polls run on many
 * threads; every method holds the relay's lock briefly.
 */
public final class ReplicationRelay {
  /** 4 MiB of queued batches per standby. */
  public static final long DEFAULT_QUEUE_BYTES = 4L << 20;

  /** What became of a batch a node posted. */
  public enum Outcome {
    /** Queued for the IP's standby. */
    QUEUED,
    /** The node does not hold the IP in the current assignment: refused and dropped (403). */
    NOT_HOLDER,
    /** The IP has no standby: nothing to relay to, dropped. */
    NO_STANDBY,
    /** The standby's queue is full: dropped, counted, and the standby needs a full dump. */
    OVERFLOW,
    /** This leader has not placed anything yet: dropped (503, the agent dumps on request later). */
    NOT_PLACED
  }

  /** One batch waiting for its standby. */
  private static final class Queued {
    final String ip;
    final byte[] body;
    final boolean dumpEnd;

    Queued(String ip, byte[] body, boolean dumpEnd) {
      this.ip = ip;
      this.body = body;
      this.dumpEnd = dumpEnd;
    }

    String ip() {
      return ip;
    }

    byte[] body() {
      return body;
    }

    boolean dumpEnd() {
      return dumpEnd;
    }
  }

  private final long queueBytes;
  private boolean isPlaced;
  private Map<String, String> assignment = Map.of();
  private Map<String, String> standbys = Map.of();
  private Map<String, String> routes = Map.of(); // ip -> "holder>standby" as last placed
  private final Map<String, ArrayDeque<Queued>> queues = new HashMap<>();
  private final Map<String, Long> queuedBytes = new HashMap<>();
  private final Map<String, CompletableFuture<Void>> waiting = new HashMap<>();
  private final Set<String> needDump = new TreeSet<>();
  private final Map<String, String> dumpedTo = new HashMap<>(); // ip -> standby that took a dump
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong overflows = new AtomicLong();

  public ReplicationRelay(long queueBytes) {
    this.queueBytes = queueBytes;
  }

  /**
   * The assignment and standbys as written by placement. An IP whose holder or standby changed
   * needs a full dump from its holder; batches queued for a node no longer its standby are dropped.
   */
  public synchronized void placed(Map<String, String> newAssignment, Map<String, String> standby) {
    Map<String, String> newRoutes = new HashMap<>();
    standby.forEach(
        (ip, node) -> {
          String holder = newAssignment.get(ip);
          if (holder != null) {
            newRoutes.put(ip, holder + ">" + node);
          }
        });
    for (String ip : union(routes.keySet(), newRoutes.keySet())) {
      if (!Objects.equals(routes.get(ip), newRoutes.get(ip))) {
        dumpedTo.remove(ip);
        purge(ip);
        if (newRoutes.containsKey(ip)) {
          needDump.add(ip);
        } else {
          needDump.remove(ip);
        }
      }
    }
    assignment = Map.copyOf(newAssignment);
    standbys = Map.copyOf(standby);
    routes = newRoutes;
    isPlaced = true;
  }

  /**
   * A batch for floating IP {@code ip} posted by {@code node}: queued for the IP's standby when
   * node holds the IP. A dump's first batch supersedes what is queued for the IP.
   */
  public Outcome offer(String node, String ip, byte[] body, boolean dumpStart, boolean dumpEnd) {
    CompletableFuture<Void> wake;
    synchronized (this) {
      if (!isPlaced) {
        dropped.incrementAndGet();
        return Outcome.NOT_PLACED;
      }
      if (!node.equals(assignment.get(ip))) {
        refused.incrementAndGet();
        return Outcome.NOT_HOLDER;
      }
      String standby = routes.containsKey(ip) ? standbys.get(ip) : null;
      if (standby == null) {
        dropped.incrementAndGet();
        return Outcome.NO_STANDBY;
      }
      if (dumpStart) {
        needDump.remove(ip);
        dumpedTo.remove(ip);
        purge(ip);
      }
      long bytes = queuedBytes.getOrDefault(standby, 0L);
      if (bytes + body.length > queueBytes) {
        // the standby falls behind: its state of this IP is incomplete until a new dump
        dropped.incrementAndGet();
        overflows.incrementAndGet();
        dumpedTo.remove(ip);
        purge(ip);
        needDump.add(ip);
        return Outcome.OVERFLOW;
      }
      queues.computeIfAbsent(standby, k -> new ArrayDeque<>()).add(new Queued(ip, body, dumpEnd));
      queuedBytes.put(standby, bytes + body.length);
      queued.incrementAndGet();
      wake = waiting.remove(standby);
    }
    if (wake != null) {
      wake.complete(null);
    }
    return Outcome.QUEUED;
  }

  /**
   * Completes when something is queued for node (at once when something is); a newer poll of the
   * same node completes the older one. The caller then {@link #take}s.
   */
  public CompletableFuture<Void> await(String node) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    CompletableFuture<Void> older;
    synchronized (this) {
      ArrayDeque<Queued> q = queues.get(node);
      if (q != null && !q.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      older = waiting.put(node, f);
    }
    if (older != null) {
      older.complete(null);
    }
    return f;
  }

  /**
   * Takes the batches queued for node, oldest first, up to about maxBytes (at least one), and
   * records the dumps thereby delivered to the IPs' current standby.
   */
  public synchronized List<byte[]> take(String node, long maxBytes) {
    ArrayDeque<Queued> q = queues.get(node);
    List<byte[]> out = new ArrayList<>();
    long bytes = 0;
    while (q != null
        && !q.isEmpty()
        && (out.isEmpty() || bytes + q.peek().body().length <= maxBytes)) {
      Queued b = q.poll();
      out.add(b.body());
      bytes += b.body().length;
      if (b.dumpEnd() && node.equals(standbys.get(b.ip())) && !needDump.contains(b.ip())) {
        dumpedTo.put(b.ip(), node);
      }
    }
    if (q != null) {
      queuedBytes.merge(node, -bytes, Long::sum);
    }
    return out;
  }

  /** Floating IPs node holds whose standby needs a full dump (answered in its heartbeat). */
  public synchronized List<String> resyncFor(String node) {
    List<String> out = new ArrayList<>();
    for (String ip : needDump) {
      if (node.equals(assignment.get(ip))) {
        out.add(ip);
      }
    }
    return out;
  }

  /**
   * True when standby is ip's current standby, took a full dump of it since it became so, and
   * nothing for ip waits in its queue.
   */
  public synchronized boolean delivered(String ip, String standby) {
    if (!standby.equals(standbys.get(ip)) || !standby.equals(dumpedTo.get(ip))) {
      return false;
    }
    ArrayDeque<Queued> q = queues.get(standby);
    return q == null || q.stream().noneMatch(b -> b.ip().equals(ip));
  }

  /** Bytes queued for node. */
  public synchronized long queuedBytes(String node) {
    return queuedBytes.getOrDefault(node, 0L);
  }

  /** A new leadership (or its end): nothing known delivered, every route needs a dump again. */
  public void reset() {
    List<CompletableFuture<Void>> wake;
    synchronized (this) {
      isPlaced = false;
      assignment = Map.of();
      standbys = Map.of();
      routes = Map.of();
      queues.clear();
      queuedBytes.clear();
      needDump.clear();
      dumpedTo.clear();
      wake = new ArrayList<>(waiting.values());
      waiting.clear();
    }
    wake.forEach(f -> f.complete(null));
  }

  /** Batches queued for a standby. */
  public long queuedBatches() {
    return queued.get();
  }

  /** Batches refused: the posting node does not hold the IP. */
  public long refusedBatches() {
    return refused.get();
  }

  /** Batches dropped: no standby, no placement yet, or a full queue. */
  public long droppedBatches() {
    return dropped.get();
  }

  /** Batches dropped for a full queue (each marks its IP for a full dump). */
  public long overflowedBatches() {
    return overflows.get();
  }

  /** Drops what is queued for ip, in every queue. */
  private void purge(String ip) {
    for (Map.Entry<String, ArrayDeque<Queued>> e : queues.entrySet()) {
      long freed = 0;
      for (Iterator<Queued> it = e.getValue().iterator(); it.hasNext(); ) {
        Queued b = it.next();
        if (b.ip().equals(ip)) {
          freed += b.body().length;
          it.remove();
        }
      }
      if (freed > 0) {
        queuedBytes.merge(e.getKey(), -freed, Long::sum);
      }
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }
}

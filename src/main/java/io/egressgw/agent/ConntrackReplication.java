package io.egressgw.agent;

import io.egressgw.dataplane.ConntrackEntry;
import io.egressgw.dataplane.ConntrackEvents;
import io.egressgw.dataplane.DataplaneException;
import io.egressgw.dataplane.ReplicationBatch;
import io.egressgw.net.Ipv4;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Conntrack replication of SNATed flows from the primary of each floating IP to its standby (issue
 * 13), both halves in one agent: as primary it listens to the kernel's conntrack events and sends
 * every entry SNATed to a floating IP it holds, batched per IP, to a sink (the authenticated path
 * to the standby); as standby it installs the batches it receives for the IPs it stands by for, and
 * only those, and keeps them in memory so that, when it takes an IP over, it installs again what
 * the kernel dropped meanwhile (an entry that timed out on the standby because the flow went on
 * without state changes on the primary, or one that could not be installed because this node's own
 * pod had the same flow forwarded).
 *
 * <p>Full dumps: when the controller says a standby lacks an IP's state (a new standby, a standby
 * whose queue overflowed, a new leader: {@link #requestDump}) or the kernel lost events (ENOBUFS),
 * the primary sends the IP's whole SNATed state as batches from {@code dumpStart} to {@code
 * dumpEnd}; a standby that installed a dump's last batch is ready for the IP ({@link #readyFor}),
 * which its heartbeat reports so that a planned hand-over waits for it.
 */
public final class ConntrackReplication implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ConntrackReplication.class);

  /** The most entries one batch carries. */
  static final int BATCH_MAX = 512;

  private final Supplier<Set<Integer>> held;
  private volatile Consumer<ReplicationBatch> sink;
  private final ConntrackTable table;
  // floating IPs whose full dump the controller asked for (primary side), guarded by pendingLock
  private final Set<Integer> dumpRequested = new java.util.TreeSet<>();
  // standby side: floating IPs whose full dump was installed (and that are still stood by for)
  private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
  private final AtomicLong lostEvents = new AtomicLong();
  // standby side: batches for IPs not (yet) stood by for, kept until the program that names the
  // IP arrives (the relay routes by placement at once; the signed program follows), guarded by
  // itself
  private final java.util.ArrayDeque<Early> early = new java.util.ArrayDeque<>();

  /** A batch that arrived before the program naming its IP, and when (System.nanoTime()). */
  private record Early(ReplicationBatch batch, long at) {}

  /** How many early batches are kept, and how long. */
  static final int EARLY_MAX = 256;

  static final long EARLY_NANOS = 5_000_000_000L;
  private final AtomicLong dumps = new AtomicLong();
  private final Object pendingLock = new Object();
  // floating IP -> (original tuple -> entry, or null for a delete), in arrival order
  private final Map<Integer, LinkedHashMap<ConntrackEntry.Key, ConntrackEntry>> pending =
      new HashMap<>();
  // standby side: floating IP -> replicated entries
  private final Map<Integer, Map<ConntrackEntry.Key, ConntrackEntry>> replicated =
      new ConcurrentHashMap<>();
  private final AtomicLong replacedTotal = new AtomicLong();
  private final AtomicLong installFailures = new AtomicLong();
  private volatile Set<Integer> standbyFor = Set.of();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong installed = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLagMillis = new AtomicLong(-1);
  private final AtomicLong unreplicated = new AtomicLong();
  // floating IP -> System.nanoTime() of its takeover
  private final Map<Integer, Long> takenAt = new ConcurrentHashMap<>();
  private volatile java.util.function.LongConsumer lagObserver = lag -> {};
  private volatile ConntrackEvents events;
  private Thread reader;
  private Thread sender;
  private volatile boolean closed;

  /**
   * @param held the floating IPs this node holds now (entries SNATed to them are replicated)
   * @param sink where batches go (to the standby, through the controller)
   */
  public ConntrackReplication(Supplier<Set<Integer>> held, Consumer<ReplicationBatch> sink) {
    this(held, sink, ConntrackTable.kernel());
  }

  /**
   * @param table the node's conntrack table (the kernel's, or an in-memory one in tests)
   */
  ConntrackReplication(
      Supplier<Set<Integer>> held, Consumer<ReplicationBatch> sink, ConntrackTable table) {
    this.held = held;
    this.sink = sink;
    this.table = table;
  }

  /** Where batches go from now on (the agent sets the channel once it is up). */
  public void sendTo(Consumer<ReplicationBatch> newSink) {
    this.sink = newSink;
  }

  /**
   * Sends a full dump of each of ips this node holds, ahead of the changes queued for it (which the
   * dump supersedes): its standby lacks the IP's state.
   */
  public void requestDump(java.util.Collection<Integer> ips) {
    synchronized (pendingLock) {
      dumpRequested.addAll(ips);
      pendingLock.notifyAll();
    }
  }

  /** Subscribes to conntrack events and starts sending (the primary's half). */
  public synchronized void start() {
    events = ConntrackEvents.subscribe();
    reader = new Thread(() -> events.run(listener()), "egw-conntrack-events");
    reader.setDaemon(true);
    reader.start();
    sender = new Thread(this::sendLoop, "egw-conntrack-replication");
    sender.setDaemon(true);
    sender.start();
  }

  ConntrackEvents.Listener listener() {
    return new ConntrackEvents.Listener() {
      @Override
      public void changed(ConntrackEntry entry, boolean isNew) {
        if (isNew) {
          countIfUnreplicated(entry, System.nanoTime());
        }
        queue(entry.natAddress(), entry.key(), entry);
      }

      @Override
      public void destroyed(ConntrackEntry entry) {
        queue(entry.natAddress(), entry.key(), null);
      }

      @Override
      public void lost() {
        lostEvents.incrementAndGet();
        LOG.warn("conntrack events lost (socket buffer full): resending every held IP in full");
        requestDump(held.get());
      }
    };
  }

  /** How long after a takeover a TCP flow first seen mid-stream counts as not replicated. */
  static final long UNREPLICATED_WINDOW_NANOS = 30_000_000_000L;

  /** TCP_CONNTRACK_SYN_SENT: the state of a flow seen from its first SYN. */
  static final int TCP_SYN_SENT = 1;

  /** TCP_CONNTRACK_TIME_WAIT: from this state on (and CLOSE) a flow carries no connection. */
  static final int TCP_TIME_WAIT = 7;

  /**
   * A TCP flow in TIME_WAIT or CLOSE: closed, nothing to carry over. A standby drops its copy
   * instead of installing it: short-lived connections would otherwise fill both the standby's table
   * and its takeover with flows that are gone (the lab's probes made thousands).
   */
  static boolean closed(ConntrackEntry e) {
    return e.protocol() == ConntrackEntry.TCP && e.tcpState() >= TCP_TIME_WAIT;
  }

  /**
   * A new TCP entry SNATed to an IP this node took over shortly before, in a state other than
   * SYN_SENT, is a flow conntrack picked up mid-stream: the standby had no entry for it (unless it
   * is one this node installed from the replicated state itself).
   */
  void countIfUnreplicated(ConntrackEntry entry, long now) {
    Long taken = takenAt.get(entry.natAddress());
    Map<ConntrackEntry.Key, ConntrackEntry> known = replicated.get(entry.natAddress());
    if (taken != null
        && now - taken < UNREPLICATED_WINDOW_NANOS
        && entry.protocol() == ConntrackEntry.TCP
        && entry.tcpState() != TCP_SYN_SENT
        && entry.source() != entry.natAddress()
        && (known == null || !known.containsKey(entry.key()))) {
      unreplicated.incrementAndGet();
    }
  }

  /** Queues an entry (null: deleted) when it is SNATed to a floating IP this node holds. */
  void queue(int natAddress, ConntrackEntry.Key key, ConntrackEntry entry) {
    if (key.source() == natAddress || !held.get().contains(natAddress)) {
      return;
    }
    synchronized (pendingLock) {
      LinkedHashMap<ConntrackEntry.Key, ConntrackEntry> m =
          pending.computeIfAbsent(natAddress, k -> new LinkedHashMap<>());
      boolean first = pending.values().stream().allMatch(Map::isEmpty);
      m.remove(key); // the latest state goes last
      m.put(key, entry);
      if (first) {
        pendingSince = System.nanoTime();
        pendingLock.notifyAll();
      } else if (m.size() >= BATCH_MAX) {
        pendingLock.notifyAll();
      }
    }
  }

  /**
   * How long the first queued change waits for more before they are sent (unless a batch is full or
   * a dump is asked for): each batch is one POST through the controller's relay and one install
   * round trip on the standby, and at 10,000 new flows a second batches of a few entries each kept
   * the standby seconds behind (BENCHMARKS.md, "replication lag").
   */
  static final long LINGER_NANOS = 10_000_000L;

  // System.nanoTime() when pending went from empty to not empty, guarded by pendingLock
  private long pendingSince;

  private void sendLoop() {
    while (!closed) {
      synchronized (pendingLock) {
        while (pending.isEmpty() && dumpRequested.isEmpty() && !closed) {
          try {
            pendingLock.wait(500);
          } catch (InterruptedException e) {
            return;
          }
        }
        long left;
        while (dumpRequested.isEmpty()
            && !closed
            && pending.values().stream().allMatch(m -> m.size() < BATCH_MAX)
            && (left = pendingSince + LINGER_NANOS - System.nanoTime()) > 0) {
          try {
            pendingLock.wait(left / 1_000_000, (int) (left % 1_000_000));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      sendOnce(System.currentTimeMillis());
    }
  }

  /** Sends the dumps asked for, then the queued changes; returns the batches sent. */
  int sendOnce(long now) {
    List<ReplicationBatch> batches = new ArrayList<>(dumpBatches(now));
    batches.addAll(drain(now));
    for (ReplicationBatch b : batches) {
      try {
        sink.accept(b);
        sent.addAndGet(b.size());
      } catch (RuntimeException e) {
        LOG.warn("conntrack batch not sent: " + e.getMessage());
      }
    }
    return batches.size();
  }

  /**
   * The full dumps asked for, of the IPs this node holds: the queued changes of each are dropped
   * first (the dump, read after, has their state or newer; changes queued meanwhile follow it).
   */
  List<ReplicationBatch> dumpBatches(long now) {
    Set<Integer> ips;
    synchronized (pendingLock) {
      if (dumpRequested.isEmpty()) {
        return List.of();
      }
      ips = new java.util.TreeSet<>(dumpRequested);
      dumpRequested.clear();
      ips.retainAll(held.get());
      ips.forEach(pending::remove);
    }
    List<ReplicationBatch> out = new ArrayList<>();
    for (int ip : ips) {
      List<ConntrackEntry> entries;
      try {
        entries = table.snatedTo(Set.of(ip));
      } catch (DataplaneException e) {
        LOG.warn("conntrack dump of " + Ipv4.format(ip) + " failed: " + e.getMessage());
        continue;
      }
      dumps.incrementAndGet();
      int from = 0;
      do {
        int to = Math.min(entries.size(), from + BATCH_MAX);
        out.add(
            new ReplicationBatch(
                ip,
                List.copyOf(entries.subList(from, to)),
                List.of(),
                now,
                from == 0,
                to == entries.size()));
        from = to;
      } while (from < entries.size());
    }
    return out;
  }

  /** Takes every pending entry out, as batches of at most {@link #BATCH_MAX}. */
  List<ReplicationBatch> drain(long now) {
    List<ReplicationBatch> out = new ArrayList<>();
    synchronized (pendingLock) {
      pending.forEach(
          (ip, m) -> {
            List<ConntrackEntry> upserts = new ArrayList<>();
            List<ConntrackEntry.Key> deletes = new ArrayList<>();
            for (Map.Entry<ConntrackEntry.Key, ConntrackEntry> e : m.entrySet()) {
              if (e.getValue() == null) {
                deletes.add(e.getKey());
              } else {
                upserts.add(e.getValue());
              }
              if (upserts.size() + deletes.size() == BATCH_MAX) {
                out.add(new ReplicationBatch(ip, upserts, deletes, now));
                upserts = new ArrayList<>();
                deletes = new ArrayList<>();
              }
            }
            if (!upserts.isEmpty() || !deletes.isEmpty()) {
              out.add(new ReplicationBatch(ip, upserts, deletes, now));
            }
          });
      pending.clear();
    }
    return out;
  }

  /** The floating IPs this node is the standby for (the controller's word). */
  public void standbyFor(Set<Integer> ips) {
    standbyFor = Set.copyOf(ips);
    ready.retainAll(ips);
    replicated.keySet().removeIf(ip -> !ips.contains(ip) && !held.get().contains(ip));
    List<ReplicationBatch> now = new ArrayList<>();
    synchronized (early) {
      long t = System.nanoTime();
      early.removeIf(e -> t - e.at() > EARLY_NANOS);
      early.removeIf(
          e -> {
            if (ips.contains(e.batch().floatingIp())) {
              now.add(e.batch());
              return true;
            }
            return false;
          });
    }
    now.forEach(this::accept);
  }

  /**
   * The IPs this node stands by for whose full dump it installed: it holds their whole replicated
   * state (what its heartbeat reports, and a planned hand-over waits for).
   */
  public Set<Integer> readyFor() {
    Set<Integer> out = new java.util.TreeSet<>(ready);
    out.retainAll(standbyFor);
    return out;
  }

  /**
   * Installs a batch received for a floating IP this node stands by for; refuses (and counts) any
   * other, and any entry in it not SNATed to that IP.
   *
   * @return the entries installed or updated in the kernel
   */
  public int accept(ReplicationBatch batch) {
    if (!standbyFor.contains(batch.floatingIp())) {
      synchronized (early) {
        // kept, not installed: only the signed program makes this node the IP's standby
        early.addLast(new Early(batch, System.nanoTime()));
        while (early.size() > EARLY_MAX) {
          early.removeFirst();
        }
      }
      refused.addAndGet(batch.upserts().size() + batch.deletes().size());
      LOG.warn(
          "conntrack entries for "
              + Ipv4.format(batch.floatingIp())
              + " not installed: this node's program does not name it the IP's standby (kept"
              + " for a few seconds, in case that program is on its way)");
      return 0;
    }
    Map<ConntrackEntry.Key, ConntrackEntry> cache =
        replicated.computeIfAbsent(batch.floatingIp(), k -> new ConcurrentHashMap<>());
    if (batch.dumpStart()) {
      // a dump replaces what was known; kernel entries of flows gone meanwhile expire on their own
      cache.clear();
      ready.remove(batch.floatingIp());
    }
    int n = 0;
    List<ConntrackEntry> toCreate = new ArrayList<>();
    for (ConntrackEntry e : batch.upserts()) {
      if (!e.snatedTo(batch.floatingIp())) {
        refused.incrementAndGet();
        continue;
      }
      if (closed(e)) {
        ConntrackEntry gone = cache.remove(e.key());
        if (gone != null) {
          tryDelete(gone);
        }
        continue;
      }
      cache.put(e.key(), e);
      toCreate.add(e);
    }
    // created only: an existing entry is left alone. It is an earlier copy of the flow (the map
    // keeps the latest state, which the takeover installs) or this node's own pod's live flow,
    // forwarded to the primary, whose local state an update would overwrite with the primary's
    // older one (a lost probe in the lab showed it); the takeover replaces the latter. Many
    // creates a netlink round trip (10,000 new flows a second kept a socket and a round trip
    // each behind)
    List<String> failures = new ArrayList<>();
    for (Boolean created : createAll(toCreate, failures)) {
      if (Boolean.TRUE.equals(created)) {
        n++;
      }
    }
    failures.forEach(f -> countFailure(new DataplaneException(f)));
    for (ConntrackEntry.Key k : batch.deletes()) {
      ConntrackEntry gone = cache.remove(k);
      if (gone != null) {
        tryDelete(gone);
      }
    }
    installed.addAndGet(n);
    if (batch.dumpEnd()) {
      ready.add(batch.floatingIp());
    }
    long lag = Math.max(0, System.currentTimeMillis() - batch.sentAtMillis());
    lastLagMillis.set(lag);
    lagObserver.accept(lag);
    return n;
  }

  /** Per entry, in order: TRUE created, FALSE its tuple exists, null failed (in failures). */
  private List<Boolean> createAll(List<ConntrackEntry> entries, List<String> failures) {
    try {
      return table.createAll(entries, failures);
    } catch (DataplaneException ex) {
      // the socket itself failed: none is known to be installed
      entries.forEach(e -> failures.add(ex.getMessage()));
      return java.util.Collections.nCopies(entries.size(), null);
    }
  }

  private void countFailure(DataplaneException ex) {
    if (installFailures.getAndIncrement() % 1000 == 0) {
      LOG.warn(
          "replicated conntrack entry not installed ("
              + installFailures.get()
              + " so far): "
              + ex.getMessage());
    }
  }

  /**
   * True: created; false: an existing entry updated; null: failed (counted; the first failure and
   * then one in a thousand are logged at WARN).
   */
  private Boolean install(ConntrackEntry e) {
    try {
      return table.install(e);
    } catch (DataplaneException ex) {
      countFailure(ex);
      return null;
    }
  }

  /** Replicated entries the kernel refused to install, since start. */
  public long failedInstalls() {
    return installFailures.get();
  }

  private void tryDelete(ConntrackEntry e) {
    try {
      table.delete(e);
    } catch (DataplaneException ex) {
      LOG.debug("replicated conntrack entry not deleted: " + ex.getMessage());
    }
  }

  /**
   * This node is taking floating IP over (called before the IP's address is configured, see {@link
   * io.egressgw.agent.NodeDataplane#beforeTakingFloatingIp}): installs every replicated entry of it
   * the kernel lacks, and replaces this node's own entry of a flow the primary SNATed (a local
   * pod's flow that this node forwarded to the primary: its entry has no NAT binding, and an answer
   * to the floating IP would not match it). Returns how many were installed.
   */
  public int takeOver(int floatingIp) {
    takenAt.put(floatingIp, System.nanoTime());
    Map<ConntrackEntry.Key, ConntrackEntry> cache = replicated.get(floatingIp);
    if (cache == null || cache.isEmpty()) {
      return 0; // nothing replicated: no dump either, the IP's address waits for none
    }
    // one dump tells what the kernel still holds: only the rest is installed (in one batch, many
    // requests a round trip), so the takeover, which the IP's address waits for, costs the dump
    // plus the missing
    Map<ConntrackEntry.Key, ConntrackEntry> present = new HashMap<>();
    try {
      table.snatedTo(Set.of(floatingIp)).forEach(e -> present.put(e.key(), e));
    } catch (RuntimeException e) {
      LOG.warn("conntrack dump before the takeover failed, installing every entry: " + e);
    }
    int n = 0;
    int replaced = 0;
    List<String> failures = new ArrayList<>();
    List<ConntrackEntry> taken = new ArrayList<>();
    List<ConntrackEntry> missing = new ArrayList<>();
    // a copy: batches of the old primary may still arrive meanwhile (a dump would clear the map)
    for (ConntrackEntry e : List.copyOf(cache.values())) {
      ConntrackEntry copy = present.get(e.key());
      if (copy != null) {
        // the kernel holds it SNATed to this IP already (this node's copy): brought up to the
        // latest TCP state the primary sent, if it lags
        if (copy.tcpState() != e.tcpState() && install(e) == null) {
          failures.add("update of " + e.key() + " failed");
        }
        continue;
      }
      missing.add(e);
    }
    List<String> createFailures = new ArrayList<>();
    List<Boolean> created = createAll(missing, createFailures);
    for (int i = 0; i < missing.size(); i++) {
      if (Boolean.TRUE.equals(created.get(i))) {
        n++;
      } else if (Boolean.FALSE.equals(created.get(i))) {
        taken.add(missing.get(i));
      }
    }
    installFailures.addAndGet(createFailures.size());
    failures.addAll(createFailures);
    // the tuples taken by entries not SNATed to this IP: this node's own pods' flows, forwarded to
    // the primary until now, without NAT binding. Replaced last and back to back: from its
    // replacement until this node's egress says "SNAT here" (right after the announcement), such
    // a flow's packets are dropped (fail closed), so nothing else runs in between
    for (ConntrackEntry e : taken) {
      String failure;
      try {
        failure = table.replace(e) ? null : "the tuple was taken again three times";
      } catch (DataplaneException ex) {
        failure = ex.getMessage();
      }
      if (failure == null) {
        replacedTotal.incrementAndGet();
        replaced++;
        n++;
      } else {
        installFailures.incrementAndGet();
        failures.add(failure);
      }
    }
    LOG.info(
        "took over "
            + Ipv4.format(floatingIp)
            + " with "
            + cache.size()
            + " replicated flows ("
            + n
            + " installed now, "
            + replaced
            + " of them in place of this node's own forwarded flows)");
    if (!failures.isEmpty()) {
      LOG.warn(
          failures.size()
              + " replicated flows not installed at the takeover (their answers may be reset): "
              + failures.get(0));
    }
    return n;
  }

  /** Called with the lag of every batch installed (milliseconds). */
  public void onLag(java.util.function.LongConsumer observer) {
    lagObserver = observer;
  }

  /**
   * TCP flows first seen mid-stream shortly after a takeover (see {@link #countIfUnreplicated}).
   */
  public long unreplicatedAtTakeover() {
    return unreplicated.get();
  }

  /** Times the kernel lost conntrack events (socket buffer full): each led to full dumps. */
  public long lostEvents() {
    return lostEvents.get();
  }

  /** Full dumps sent as primary. */
  public long dumpsSent() {
    return dumps.get();
  }

  /** Entries this node sent as primary. */
  public long sentEntries() {
    return sent.get();
  }

  /** Entries this node installed as standby. */
  public long installedEntries() {
    return installed.get();
  }

  /** Entries refused: for an IP this node is not standby for, or not SNATed to the batch's IP. */
  public long refusedEntries() {
    return refused.get();
  }

  /** Entries that replaced this node's own forwarded flows at takeovers, since start. */
  public long replacedEntries() {
    return replacedTotal.get();
  }

  /** Replicated entries held for the IPs this node stands by for. */
  public int replicatedEntries() {
    return replicated.values().stream().mapToInt(Map::size).sum();
  }

  /** Lag of the last batch installed (sent -> installed, wall clock), -1 before the first. */
  public long lastLagMillis() {
    return lastLagMillis.get();
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (events != null) {
      events.close();
    }
    synchronized (pendingLock) {
      pendingLock.notifyAll();
    }
  }
}

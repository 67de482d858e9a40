package io.egressgw.agent;

import static io.egressgw.dataplane.MapLayouts.*;

import io.egressgw.dataplane.CapacityExceededException;
import io.egressgw.dataplane.Conntrack;
import io.egressgw.dataplane.ConntrackMessages;
import io.egressgw.dataplane.DataplaneException;
import io.egressgw.dataplane.DataplaneObject;
import io.egressgw.dataplane.EgressEntry;
import io.egressgw.dataplane.EgressNatTable;
import io.egressgw.dataplane.FloatingIpLeases;
import io.egressgw.dataplane.FlowClass;
import io.egressgw.dataplane.MapCodec;
import io.egressgw.dataplane.Neighbours;
import io.egressgw.dataplane.Nftables;
import io.egressgw.dataplane.RouteKey;
import io.egressgw.dataplane.Rtnetlink;
import io.egressgw.net.Ipv4;
import io.egressgw.net.Ipv4Prefix;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport.PolicyCounters;
import io.egressgw.program.ProgramDelta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The eBPF dataplane of this node (the network namespace the process runs in): loads the BPF object
 * with maps pinned under {@link DataplaneSetup#pinDir()}, attaches egw_gateway / egw_steer to the
 * uplink and egw_classify to pod interfaces, keeps the nftables table and the floating IPs.
 *
 * <p>On start it reads back what is installed (pinned maps, nft map, labelled addresses), so a
 * restarted agent changes nothing when handed the same program. tc attachments outlive the process.
 *
 * <p>Floating IPs are leased (see {@link FloatingIpLeases}): while this object is open a thread
 * renews the leases of the floating IPs held; the BPF programs stop answering for an IP whose lease
 * ran out or which another host claimed. A renewal never revives a lapsed lease: an IP is taken
 * again only by a program that lists it ({@link #apply}), by the controller confirming the applied
 * program ({@link #confirmFloatingIPs}), or, while no controller answers, once a heartbeat sent
 * after the lapse failed and no other host claimed the IP ({@link #keepFloatingIPsUnconfirmed}:
 * fail static).
 */
public final class EbpfNodeDataplane implements NodeDataplane {
  private static final Logger LOG = Logger.getLogger(EbpfNodeDataplane.class);

  private final DataplaneSetup settings;
  private final int nodeIp;
  private final DataplaneObject bpf;
  private final Nftables nft;
  private final EgressNatTable natTable;
  // the mirror of what this agent wrote into the kernel (read back on start and after a failure)
  private DataplaneState installed;
  // the program installed was built from, null when installed was read back or changed otherwise
  private NodeProgram appliedProgram;
  private long appliedGeneration;
  private Map<Integer, String> policyByEgress = Map.of();
  private volatile String applyError;
  private volatile java.util.function.IntConsumer takeoverPreparation = ip -> {};
  private final FloatingIpLeases leases;
  private final long leaseNanos;
  private final Object leaseLock = new Object();
  // floating IPs with an entry in egw_leases (guarded by leaseLock)
  private final Set<Integer> leased = new TreeSet<>();
  private final ScheduledExecutorService leaseTimer;

  /** Relaxes conntrack's window checks of a yielded IP's flows, off the lease timer's thread. */
  private final java.util.concurrent.ExecutorService yieldWorker;

  /** Per claimed IP, the claim (its time) whose flows were relaxed already; under leaseLock. */
  private final Map<Integer, Long> handledClaims = new HashMap<>();

  private EbpfNodeDataplane(DataplaneSetup settings) {
    this.settings = settings;
    Rtnetlink.Link uplink = Rtnetlink.link(settings.uplink());
    this.nodeIp =
        settings.nodeIP() != null && !settings.nodeIP().isBlank()
            ? Ipv4.parseOrThrow(settings.nodeIP())
            : Rtnetlink.addresses().stream()
                .filter(a -> a.ifindex() == uplink.index())
                .filter(a -> !a.label().equals(settings.floatingLabel()))
                .map(Rtnetlink.Address::address)
                .findFirst()
                .orElseThrow(
                    () -> new DataplaneException("no IPv4 address on " + settings.uplink()));
    setSysctls(settings.uplink());
    this.bpf = DataplaneObject.load(settings.pinDir(), nodeIp, settings.capacities());
    try {
      this.nft = new Nftables();
      this.natTable = new EgressNatTable(nft, settings.snatPorts());
      this.installed = readInstalled();
      // recreate the table with its current elements: repairs a tampered or older table
      natTable.install(installed.snat());
      byte[] state = bpf.state().lookup(new byte[U32_SIZE]);
      this.appliedGeneration = state == null ? 0 : MapCodec.stateGeneration(state);
      this.leases = new FloatingIpLeases(bpf.leases(), bpf.yields());
      this.leaseNanos = settings.leaseDuration().toNanos();
      adoptLeases();
      reconcileUplink();
      reconcileInterfaces();
    } catch (RuntimeException e) {
      bpf.close();
      throw e;
    }
    long period = Math.max(1_000_000L, leaseNanos / 5);
    this.yieldWorker = Executors.newSingleThreadExecutor(daemon("egw-yield"));
    this.leaseTimer = Executors.newSingleThreadScheduledExecutor(daemon("egw-lease-renewal"));
    var unused =
        leaseTimer.scheduleAtFixedRate(this::renewLeases, period, period, TimeUnit.NANOSECONDS);
    var unusedToo =
        leaseTimer.scheduleAtFixedRate(
            this::checkClaims, CLAIM_CHECK_NANOS, CLAIM_CHECK_NANOS, TimeUnit.NANOSECONDS);
  }

  /** Daemon threads named {@code name}: they never keep the agent's JVM from exiting. */
  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * A floating IP configured without a lease entry (set up by an older agent, or a crash between
   * the two writes) is recorded as lapsed: silent until a program or the controller confirms it.
   * Leases still live (a restart quicker than the lease) are renewed from now on.
   */
  private void adoptLeases() {
    long now = System.nanoTime();
    synchronized (leaseLock) {
      // a lease whose address is gone (a crash between the two writes, a failed release): without
      // this, the node would drop ARP and traffic for an IP it no longer has
      for (int ip : leases.ips()) {
        if (!installed.floatingIPs().contains(ip)) {
          leases.remove(ip);
        }
      }
      for (int ip : installed.floatingIPs()) {
        if (leases.state(ip, now) == FloatingIpLeases.State.NONE) {
          leases.lapse(ip);
          LOG.warn("floating IP " + Ipv4.format(ip) + " had no lease: silent until confirmed");
        }
        leased.add(ip);
      }
    }
  }

  /**
   * How long after another host's claim this node may still send what it SNATs to a yielded IP that
   * its program still gives it: a planned hand-over's rollout step (the new holder took the IP; the
   * other nodes steer to it only with their next program), with room for a loaded node. Bounded, so
   * that a holder cut off from the controller stops within it.
   */
  static final long YIELDED_SEND_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * Extends the live leases (never a lapsed one) and, within {@link #YIELDED_SEND_GRACE_NANOS} of
   * the claim, the yielded ones this node's program still lists; runs every fifth of the lease.
   */
  void renewLeases() {
    try {
      synchronized (leaseLock) {
        long now = System.nanoTime();
        for (int ip : leased) {
          if (!leases.renew(ip, now, leaseNanos)) {
            leases.extendYielded(ip, now, leaseNanos, YIELDED_SEND_GRACE_NANOS);
            noteLapse(ip, now);
          } else {
            lapseNoted.remove(ip);
          }
        }
        lastRenewalNanos = now;
      }
    } catch (RuntimeException e) {
      LOG.warn("lease renewal failed: " + e.getMessage());
    }
  }

  /**
   * Logs, once per lapse, a lease this agent let run out itself: its renewal came later than the
   * lease (the JVM stalled: CPU starvation, a long GC pause, SIGSTOP). Caller holds leaseLock.
   */
  private void noteLapse(int ip, long now) {
    if (!leases.lapsedUnclaimedBy(ip, now) || !lapseNoted.add(ip)) { // not a restart's lapse
      return;
    }
    leaseLapses.incrementAndGet();
    long late = lastRenewalNanos == 0 ? 0 : (now - lastRenewalNanos) / 1_000_000L;
    LOG.warn(
        "the lease of floating IP "
            + Ipv4.format(ip)
            + " lapsed: the last renewal was "
            + late
            + " ms ago (lease "
            + leaseNanos / 1_000_000L
            + " ms; the agent stalled); silent for it until the controller confirms it, or, while"
            + " the controller is unreachable, until a heartbeat fails and no other host claimed"
            + " it");
  }

  // guarded by leaseLock
  private final Set<Integer> lapseNoted = new TreeSet<>();
  private long lastRenewalNanos;
  private final java.util.concurrent.atomic.AtomicLong leaseLapses =
      new java.util.concurrent.atomic.AtomicLong();

  @Override
  public long leaseLapses() {
    return leaseLapses.get();
  }

  /**
   * Every {@link #CLAIM_CHECK_NANOS}: a new claim of one of this node's IPs gets its flows' window
   * checks relaxed at once ({@link #stopWindowChecks}). The flows' next ACKs reach this node right
   * after the claim (the new holder answered them), and until the checks are relaxed each is
   * dropped rather than sent with the pod's address: the check must be quick, and costs one map
   * call while no claim is recorded at all.
   */
  void checkClaims() {
    try {
      synchronized (leaseLock) {
        if (leased.isEmpty() || !leases.anyClaimRecorded()) {
          return;
        }
        Set<Integer> fresh = freshClaims(leases.claims(leased));
        if (!fresh.isEmpty()) {
          yieldWorker.execute(() -> stopWindowChecks(fresh));
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("checking claims of floating IPs failed: " + e.getMessage());
    }
  }

  /** How often {@link #checkClaims} runs. */
  static final long CLAIM_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * The IPs of {@code claims} whose claim is new since the last call (caller holds leaseLock);
   * forgets IPs no longer claimed.
   */
  private Set<Integer> freshClaims(Map<Integer, FloatingIpLeases.Claim> claims) {
    handledClaims.keySet().retainAll(claims.keySet());
    Set<Integer> fresh = new TreeSet<>();
    claims.forEach(
        (ip, c) -> {
          Long handled = handledClaims.put(ip, c.atNanos());
          if (handled == null || handled != c.atNanos()) {
            fresh.add(ip);
          }
        });
    return fresh;
  }

  /**
   * A yielded IP's TCP flows that other nodes still steer here (until their next program) have
   * their answers pass the new holder; this node's conntrack, which no longer sees them, would find
   * the flows' next ACKs INVALID, and conntrack does not NAT an INVALID packet (egw_steer drops it
   * rather than let it leave with the pod's address). "Be liberal" keeps them NATed.
   */
  private void stopWindowChecks(Set<Integer> yielded) {
    try {
      int n = Conntrack.beLiberal(yielded);
      LOG.info(
          "yielded "
              + yielded.stream().map(Ipv4::format).toList()
              + ": "
              + n
              + " SNATed TCP flows no longer window-checked here, their answers pass the new"
              + " holder");
    } catch (RuntimeException e) {
      LOG.warn("yielded floating IPs: window checks of their flows not relaxed: " + e.getMessage());
    }
  }

  /**
   * Takes every IP of {@code ips} this node holds whose lease lapsed, and with {@code alsoYielded}
   * also those another host claimed: a lease running from {@code from}, the address if someone
   * removed it, and a gratuitous ARP. Nothing is taken when the lease would end before now (a late
   * confirmation).
   *
   * @return the IPs taken again
   */
  private List<Integer> retake(Set<Integer> ips, boolean alsoYielded, long from) {
    List<Integer> taken = new ArrayList<>();
    synchronized (leaseLock) {
      long now = System.nanoTime();
      if (from + leaseNanos <= now) {
        return taken;
      }
      for (int ip : ips) {
        FloatingIpLeases.State st = leases.state(ip, now);
        if (st == FloatingIpLeases.State.LAPSED
            || (alsoYielded && st == FloatingIpLeases.State.YIELDED)) {
          leases.take(ip, from, leaseNanos);
          leased.add(ip);
          taken.add(ip);
        }
      }
    }
    if (taken.isEmpty()) {
      return taken; // the usual case of a confirmation, ten times a second: no netlink dump
    }
    int uplink = uplinkIndex();
    Set<Integer> configured = configuredFloatingIPs(uplink);
    for (int ip : taken) {
      if (configured.contains(ip)) {
        announce(uplink, ip);
      } else {
        takeFloatingIp(uplink, ip); // removed behind our back: add it again, then announce
      }
      LOG.info("took floating IP " + Ipv4.format(ip) + " again (its lease had lapsed or yielded)");
    }
    return taken;
  }

  private Set<Integer> configuredFloatingIPs(int uplink) {
    Set<Integer> out = new TreeSet<>();
    for (Rtnetlink.Address a : Rtnetlink.addresses()) {
      if (a.ifindex() == uplink && a.label().equals(settings.floatingLabel())) {
        out.add(a.address());
      }
    }
    return out;
  }

  @Override
  public synchronized List<String> confirmFloatingIPs(long sentAtNanos) {
    return retake(installed.floatingIPs(), false, sentAtNanos).stream().map(Ipv4::format).toList();
  }

  /**
   * Fail static for an agent that stalled while the controller is unreachable: a heartbeat sent at
   * {@code failedSentAtNanos} reached no leader, so no controller can confirm this node's floating
   * IPs, nor move them. Those whose lease lapsed before that heartbeat was sent (this agent stalled
   * longer than its lease) and that no other host claimed since this node took them are taken again
   * at once, with a gratuitous ARP. Nobody else holds them: a node that took one would have
   * announced it, and the BPF programs would have recorded its claim (the IP would be yielded, not
   * lapsed). As that announcement may have been lost, the agent first sends an ARP probe for each
   * such IP and takes only those nobody answered within {@link #PROBE_ANSWER_WAIT}. Not with the
   * uplink down (a node cut from everything takes nothing back).
   */
  @Override
  public List<String> keepFloatingIPsUnconfirmed(long failedSentAtNanos) {
    Set<Integer> lapsed;
    int uplink;
    synchronized (this) {
      lapsed = lapsedUnclaimed(installed.floatingIPs(), failedSentAtNanos);
      if (lapsed.isEmpty()) {
        return List.of();
      }
      uplink = uplinkIndex();
    }
    // The new holder's announcement may have been lost (a frozen VM, a dropped frame, a link that
    // flapped): ask. Whoever has the IP answers the probe, and its answer is recorded as a claim.
    // The probe and its wait run outside this dataplane's monitor: a program that arrives
    // meanwhile is applied without waiting 100 ms, and what it changed is seen below.
    for (int ip : lapsed) {
      try {
        Rtnetlink.arpProbe(uplink, ip);
      } catch (DataplaneException e) {
        LOG.warn(e.getMessage() + ": not taking " + Ipv4.format(ip) + " again unasked");
        return List.of();
      }
    }
    try {
      Thread.sleep(PROBE_ANSWER_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
    synchronized (this) {
      // only what is still this node's and still unclaimed: a program applied during the wait may
      // have moved an IP away, a probe's answer recorded a claim, the uplink may have gone down
      Set<Integer> stillOurs = new TreeSet<>(lapsed);
      stillOurs.retainAll(installed.floatingIPs());
      Set<Integer> unclaimed = lapsedUnclaimed(stillOurs, failedSentAtNanos);
      for (int ip : stillOurs) {
        if (!unclaimed.contains(ip) && uplinkUp) {
          LOG.warn(
              "floating IP "
                  + Ipv4.format(ip)
                  + " answered by another host ("
                  + claimerOf(ip)
                  + ") after this node's lease lapsed: not taking it again");
        }
      }
      return retake(unclaimed, false, System.nanoTime()).stream().map(Ipv4::format).toList();
    }
  }

  /**
   * Of {@code ips}, those whose lease lapsed before {@code failedSentAtNanos} and that no other
   * host claimed since; none with the uplink down (a node cut from everything takes nothing back).
   * Callers hold this dataplane's monitor.
   */
  private Set<Integer> lapsedUnclaimed(Set<Integer> ips, long failedSentAtNanos) {
    Set<Integer> lapsed = new TreeSet<>();
    if (!uplinkUp) {
      return lapsed;
    }
    synchronized (leaseLock) {
      for (int ip : ips) {
        if (leases.lapsedUnclaimedBy(ip, failedSentAtNanos)) {
          lapsed.add(ip);
        }
      }
    }
    return lapsed;
  }

  private String claimerOf(int ip) {
    synchronized (leaseLock) {
      return leases.claim(ip).map(FloatingIpLeases.Claim::claimerMac).orElse("?");
    }
  }

  /**
   * How long the agent waits for an answer to its ARP probe before taking a lapsed floating IP
   * again without a controller: a segment's round trip, with room for a busy holder.
   */
  static final java.time.Duration PROBE_ANSWER_WAIT = java.time.Duration.ofMillis(100);

  @Override
  public synchronized List<String> reclaimFloatingIPs(List<String> ips, long sentAtNanos) {
    Set<Integer> listed = new TreeSet<>();
    for (String ip : ips) {
      long a = Ipv4.parse(ip);
      if (a >= 0 && installed.floatingIPs().contains((int) a)) {
        listed.add((int) a);
      }
    }
    return retake(listed, true, sentAtNanos).stream().map(Ipv4::format).toList();
  }

  @Override
  public Map<String, String> floatingIpClaims() {
    Map<String, String> out = new TreeMap<>();
    synchronized (leaseLock) {
      leases.claims(leased).forEach((ip, c) -> out.put(Ipv4.format(ip), c.claimerMac()));
    }
    return out;
  }

  @Override
  public long leaseMillis() {
    return settings.leaseDuration().toMillis();
  }

  /** The state of a floating IP's lease now (tests, diagnostics). */
  public FloatingIpLeases.State leaseState(String ip) {
    synchronized (leaseLock) {
      return leases.state(Ipv4.parseOrThrow(ip), System.nanoTime());
    }
  }

  /** Opens (or re-opens after a restart) the dataplane of the current network namespace. */
  public static EbpfNodeDataplane open(DataplaneSetup settings) {
    return new EbpfNodeDataplane(settings);
  }

  /**
   * Steered packets enter and leave the gateway by the uplink: it must not send ICMP redirects (the
   * sender would learn to bypass it), and reverse-path filtering must be loose because the gateway
   * forwards packets of pods that do not live behind the uplink's routes in every CNI.
   */
  private static void setSysctls(String uplink) {
    writeSysctl("net/ipv4/conf/all/send_redirects", "0");
    writeSysctl("net/ipv4/conf/" + uplink + "/send_redirects", "0");
    writeSysctl("net/ipv4/conf/" + uplink + "/rp_filter", "2");
  }

  private static void writeSysctl(String key, String value) {
    Path p = Path.of("/proc/sys", key);
    try {
      if (!Files.readString(p).trim().equals(value)) {
        Files.writeString(p, value);
      }
    } catch (IOException e) {
      throw new DataplaneException("cannot set sysctl " + key + "=" + value, e);
    }
  }

  private DataplaneState readInstalled() {
    Map<Integer, Integer> sources =
        MapCodec.readSources(bpf.sources(), settings.capacities().sources());
    Map<RouteKey, Integer> routes =
        MapCodec.readRoutes(bpf.routes(), settings.capacities().routes());
    Map<Integer, EgressEntry> egresses =
        MapCodec.readEgresses(bpf.egresses(), settings.capacities().egresses());
    Map<Integer, Integer> snat = natTable.readElements();
    Set<Integer> floating = configuredFloatingIPs(uplinkIndex());
    Set<Ipv4Prefix> guard =
        new java.util.HashSet<>(
            MapCodec.readGuard(bpf.guard(), settings.capacities().guard()).keySet());
    Set<Ipv4Prefix> excluded =
        new java.util.HashSet<>(
            MapCodec.readGuard(bpf.excluded(), settings.capacities().excluded()).keySet());
    return new DataplaneState(sources, routes, egresses, snat, floating, guard, excluded);
  }

  @Override
  public synchronized ApplyResult apply(NodeProgram program) {
    return apply(program, null);
  }

  /**
   * Applies program, in time proportional to what changed when the maps' mirror is trusted: the
   * changes are computed from {@code delta} (or, without a usable one, from a {@link ProgramDelta}
   * between the program applied last and this one) against {@link #installed}, the in-memory mirror
   * of what this agent wrote, and only they are written. The whole program is diffed against the
   * mirror only when there is no program it was built from: after the start (the mirror was read
   * back from the kernel), after a failed apply (read back again) and after {@link
   * #releaseFloatingIPs}.
   */
  @Override
  public synchronized ApplyResult apply(NodeProgram program, ProgramDelta delta) {
    NodeProgram base = appliedProgram;
    DataplaneState.Diff diff;
    List<CapacityCheck.Excess> over;
    DataplaneState desired = null;
    if (base != null && base.node().equals(program.node())) {
      if (delta == null
          || delta.baseGeneration() != base.generation()
          || delta.generation() != program.generation()
          || !delta.node().equals(program.node())) {
        delta = ProgramDelta.between(base, program);
      }
      diff = DataplaneState.diff(installed, base, delta, nodeIp);
      over = CapacityCheck.excesses(installed, diff, settings.capacities());
    } else {
      desired = DataplaneState.desired(program, nodeIp);
      over = CapacityCheck.excesses(desired, settings.capacities());
      diff = DataplaneState.diff(installed, desired);
    }
    if (!over.isEmpty()) {
      // nothing written: the node keeps its last program, whole
      CapacityExceededException e =
          new CapacityExceededException(
              "generation " + program.generation() + " does not fit: " + over);
      applyError = e.getMessage();
      throw e;
    }
    try {
      Map<Integer, EgressEntry> egresses =
          desired != null
              ? desired.egresses()
              : diff.egresses().isEmpty() ? installed.egresses() : egressesAfter(diff);
      ApplyResult written = write(diff, egresses, program.generation());
      applyError = null;
      installed = desired != null ? desired : installed.absorb(diff);
      appliedProgram = program;
      // only now: the uplink pass compares the nft table with the installed state, and during
      // the writes that was still the old one (it re-created the table without the new floating
      // IP's element, dropping SNAT traffic until the next pass). A change of sources, routes or
      // prefixes alone leaves the pass to its timer and the link events (it lists every link and
      // the nft table: milliseconds, more than such a change costs)
      boolean touchesUplink =
          desired != null
              || !diff.egresses().isEmpty()
              || !diff.snat().isEmpty()
              || !diff.floatingIPs().isEmpty();
      ApplyResult result =
          new ApplyResult(
              written.generation(),
              written.mapWrites(),
              written.nftChanges(),
              written.addressChanges(),
              touchesUplink ? reconcileInterfaces() : 0);
      policyByEgress = policies(program);
      // the controller's latest word: IPs it still gives this node are used again even if their
      // lease lapsed (a pause) or another host claimed them (that host is the stale one)
      retake(installed.floatingIPs(), true, System.nanoTime());
      if (program.generation() != appliedGeneration) {
        bpf.state().update(new byte[U32_SIZE], MapCodec.state(program.generation()));
        appliedGeneration = program.generation();
      }
      return result;
    } catch (RuntimeException e) {
      applyError = e.getMessage();
      // partially applied: start the next diff from what the kernel really holds, and the next
      // apply from the whole program
      appliedProgram = null;
      installed = readInstalled();
      throw e;
    }
  }

  /** The egresses once diff is written (a copy: the mirror changes only after the writes). */
  private Map<Integer, EgressEntry> egressesAfter(DataplaneState.Diff diff) {
    Map<Integer, EgressEntry> out = new HashMap<>(installed.egresses());
    diff.egresses().deletes().forEach(out::remove);
    out.putAll(diff.egresses().upserts());
    return out;
  }

  @Override
  public void beforeTakingFloatingIp(java.util.function.IntConsumer preparation) {
    this.takeoverPreparation = preparation;
  }

  @Override
  public synchronized void releaseFloatingIPs() {
    DataplaneState desired =
        new DataplaneState(
            installed.sources(),
            installed.routes(),
            installed.egresses(),
            Map.of(),
            Set.of(),
            installed.guard(),
            installed.excluded());
    // the mirror no longer is what the applied program wants: the next apply diffs it whole
    appliedProgram = null;
    try {
      write(DataplaneState.diff(installed, desired), desired.egresses(), appliedGeneration);
      installed = desired;
    } catch (RuntimeException e) {
      installed = readInstalled();
      throw e;
    }
  }

  /**
   * Order keeps every intermediate state safe: a floating IP and its SNAT entry exist before any
   * packet is marked for it; a source becomes visible only once its routes and egresses are there;
   * removals go the other way round. Guarded prefixes are added first and removed last (the guard
   * only ever drops traffic of sources not yet written). Excluded prefixes are added before any
   * route or source and removed after everything else: an in-cluster destination is never steered
   * by a route written a moment before its exclusion. A floating IP taken here is followed at once
   * by the egresses (nothing slow in between), which keeps the moment short in which this node's
   * own pods' flows already carry the IP's binding but are still classified for the old gateway.
   */
  private ApplyResult write(
      DataplaneState.Diff diff, Map<Integer, EgressEntry> egresses, long generation) {
    int uplink = Rtnetlink.link(settings.uplink()).index();
    int addresses = 0;
    // the SNAT elements first: nothing is marked for them before the egresses below say so, and
    // libnftables takes milliseconds that must not fall between a takeover and its egress
    List<Integer> snatDeletes = new ArrayList<>(diff.snat().changed());
    int nftChanges = natTable.update(diff.snat().upserts(), snatDeletes) - snatDeletes.size();
    Map<Integer, EgressEntry> egressUpserts = new HashMap<>(diff.egresses().upserts());
    int writes = 0;
    for (Integer ip : diff.floatingIPs().upserts().keySet()) {
      // the IP's replicated flows before its address: an answer must find its entry
      prepareTakeover(ip);
      // the lease first: the uplink programs drop the announcement of an IP without a live one
      synchronized (leaseLock) {
        leases.take(ip, System.nanoTime(), leaseNanos);
        leased.add(ip);
      }
      takeFloatingIp(uplink, ip);
      addresses++;
      // the IP's egresses at once, before the next IP's takeover: from the takeover on, this
      // node's own pods' flows of the egress carry its SNAT binding, and their packets, still
      // classified for the old gateway until this write, are dropped (fail closed; a TCP flow
      // then waits a retransmission timeout)
      Map<Integer, EgressEntry> ofIp = new HashMap<>();
      egressUpserts.forEach(
          (id, e) -> {
            if (e.egressIp() == ip) {
              ofIp.put(id, e);
            }
          });
      writes += writeEgresses(ofIp);
      egressUpserts.keySet().removeAll(ofIp.keySet());
    }
    writes += writeEgresses(egressUpserts);

    writes += MapCodec.writeGuard(bpf.excluded(), diff.excluded().upserts().keySet());
    writes += MapCodec.writeGuard(bpf.guard(), diff.guard().upserts().keySet());
    // a map whose new entries would not fit next to the old ones for a moment gets its deletes
    // first (a source or route gone early leaves the packet to the guard or unsteered, as the new
    // program wants anyway); the desired state itself was checked to fit before
    DataplaneObject.Capacities caps = settings.capacities();
    boolean sourcesFirst =
        CapacityCheck.deletesFirst(installed.sources().size(), diff.sources(), caps.sources());
    boolean routesFirst =
        CapacityCheck.deletesFirst(installed.routes().size(), diff.routes(), caps.routes());
    if (sourcesFirst) {
      writes += MapCodec.deleteU32(bpf.sources(), diff.sources().deletes());
    }
    if (routesFirst) {
      writes += MapCodec.deleteRoutes(bpf.routes(), diff.routes().deletes());
    }
    // before any source or route steers to a gateway, the gateway's MAC must be known
    resolveGateways(uplink, egresses, NEIGHBOR_WAIT);
    writes += MapCodec.writeRoutes(bpf.routes(), diff.routes().upserts());
    writes += MapCodec.writeSources(bpf.sources(), diff.sources().upserts());
    if (!sourcesFirst) {
      writes += MapCodec.deleteU32(bpf.sources(), diff.sources().deletes());
    }
    if (!routesFirst) {
      writes += MapCodec.deleteRoutes(bpf.routes(), diff.routes().deletes());
    }
    writes += MapCodec.deleteU32(bpf.egresses(), diff.egresses().deletes());
    writes += MapCodec.deleteGuard(bpf.guard(), diff.guard().deletes());
    writes += MapCodec.deleteGuard(bpf.excluded(), diff.excluded().deletes());

    nftChanges += natTable.update(Map.of(), diff.snat().deletes());
    for (Integer ip : diff.floatingIPs().deletes()) {
      Rtnetlink.deleteAddress(uplink, ip, 32);
      // the lease last: until the address is gone, a lapsed lease keeps the kernel from answering
      synchronized (leaseLock) {
        leases.remove(ip);
        leased.remove(ip);
        lapseNoted.remove(ip);
      }
      LOG.info("released floating IP " + Ipv4.format(ip));
      addresses++;
    }
    deleteFlowsOfTheOtherClass(diff.snat());
    return new ApplyResult(generation, writes, nftChanges, addresses, 0);
  }

  /** Writes egress upserts; a new egress id starts counting from zero. */
  private int writeEgresses(Map<Integer, EgressEntry> upserts) {
    if (upserts.isEmpty()) {
      return 0;
    }
    int writes = 0;
    for (Integer id : upserts.keySet()) {
      if (!installed.egresses().containsKey(id)) {
        bpf.counters().update(MapCodec.u32(id), new byte[bpf.counters().valueSize()]);
        writes++;
      }
    }
    return writes + MapCodec.writeEgresses(bpf.egresses(), upserts);
  }

  /**
   * Once this node SNATs an egress it did not before, its flows of that egress recorded as {@link
   * FlowClass#FORWARDED} (its pods' flows steered to the old gateway, identity-NATed) would keep
   * leaving with the pod's address: conntrack keeps a flow's first NAT binding. Once it stops
   * SNATing one (or SNATs it to another IP), its {@link FlowClass#SNATED} flows would keep the old
   * floating IP. The nft table drops both kinds of packet (fail closed); deleting the entries,
   * after every map is written, lets each flow's next packet start a new entry with the right
   * binding. A failure (no ctnetlink) is logged: the flows stay dropped until their entries expire.
   */
  private void deleteFlowsOfTheOtherClass(DataplaneState.MapDiff<Integer, Integer> snat) {
    Map<Integer, Integer> byMark = new TreeMap<>();
    for (Integer mark : snat.upserts().keySet()) {
      byMark.put(mark, snat.changed().contains(mark) ? FlowClass.SNATED : FlowClass.FORWARDED);
    }
    snat.deletes().forEach(mark -> byMark.put(mark, FlowClass.SNATED));
    byMark.forEach(
        (mark, flowClass) -> {
          int id = mark >>> MARK_ID_SHIFT;
          try {
            long n =
                Conntrack.deleteByMark(
                    FlowClass.ctMark(flowClass, id), FlowClass.CLASS_AND_ID_MASK);
            if (n > 0) {
              LOG.info(
                  "egress "
                      + id
                      + ": deleted "
                      + n
                      + (flowClass == FlowClass.FORWARDED ? " forwarded" : " SNATed")
                      + " conntrack entries; their flows start again with this node's binding");
            }
          } catch (DataplaneException e) {
            LOG.warn(
                "egress "
                    + id
                    + ": conntrack entries of the old binding not deleted, their packets stay"
                    + " dropped until the entries expire: "
                    + e.getMessage());
          }
        });
  }

  private void prepareTakeover(int ip) {
    try {
      takeoverPreparation.accept(ip);
    } catch (RuntimeException e) {
      LOG.warn(
          "preparing the takeover of "
              + Ipv4.format(ip)
              + " failed, taking it without its replicated flows: "
              + e.getMessage());
    }
  }

  /**
   * Configures a floating IP as /32 with our label and announces it. An unlabelled copy of the
   * address (configured by hand, or by an older agent) is replaced so that restarts recognise it.
   */
  private void takeFloatingIp(int uplink, int ip) {
    try {
      Rtnetlink.addAddress(uplink, ip, 32, settings.floatingLabel());
    } catch (DataplaneException e) {
      if (!e.getMessage().contains("EEXIST")) {
        throw e;
      }
      Rtnetlink.deleteAddress(uplink, ip, 32);
      Rtnetlink.addAddress(uplink, ip, 32, settings.floatingLabel());
    }
    announce(uplink, ip);
    LOG.info("took floating IP " + Ipv4.format(ip));
  }

  /** Gratuitous ARP for ip: neighbours (and a previous holder, which yields) learn its new MAC. */
  private static void announce(int uplink, int ip) {
    try {
      Rtnetlink.gratuitousArp(uplink, ip);
    } catch (DataplaneException e) {
      // the address is configured and answers ARP; neighbours learn it on their next request
      LOG.warn("gratuitous ARP failed: " + e.getMessage());
    }
  }

  private static Map<Integer, String> policies(NodeProgram program) {
    Map<Integer, String> m = new HashMap<>();
    program.egresses().forEach((id, e) -> m.put(id, e.policy()));
    return m;
  }

  /**
   * Pod interfaces: the configured name prefix, or every veth except the uplink whose peer lives in
   * another network namespace (a pod's); a veth pair with both ends on the node is a CNI's own
   * plumbing (cilium_host / cilium_net, weave's vethwe-*) and gets no classifier.
   */
  Predicate<Rtnetlink.Link> podInterfaces() {
    String prefix = settings.podInterfacePrefix();
    return l ->
        !l.isLoopback()
            && !l.name().equals(settings.uplink())
            && ((prefix == null || prefix.isEmpty())
                ? "veth".equals(l.kind()) && l.peerElsewhere()
                : l.name().startsWith(prefix));
  }

  /** Interfaces whose addresses are not the node's: loopback, the uplink's floating IPs, veths. */
  private Predicate<Rtnetlink.Link> notNodeInterfaces() {
    String prefix = settings.podInterfacePrefix();
    return l ->
        !l.isLoopback()
            && !l.name().equals(settings.uplink())
            && ((prefix == null || prefix.isEmpty())
                ? "veth".equals(l.kind())
                : l.name().startsWith(prefix));
  }

  /** How long an apply waits for a new gateway's neighbour entry before it steers to it. */
  static final java.time.Duration NEIGHBOR_WAIT = java.time.Duration.ofMillis(300);

  /**
   * How long a gateway's REACHABLE neighbour entry may go unconfirmed before the agent re-probes it
   * (see {@link GatewayNeighbour}): with the kernel's three unicast probes a second apart and the 1
   * s pass, a gateway whose MAC changed is reached again within about 10 s.
   */
  static final java.time.Duration GATEWAY_REPROBE_AFTER = java.time.Duration.ofSeconds(5);

  /**
   * Makes sure this node knows the MAC of every other node its egresses steer to, waiting up to
   * {@code wait} for entries it must resolve first. Steering uses bpf_redirect_neigh(), which with
   * an unresolved neighbour queues the packet with its original route and, once resolved, sends it
   * to that route's next hop: the first packet of a pod newly steered to a gateway this node never
   * talked to would leave for the default router with the pod's own address (seen in the lab). So
   * the agent resolves gateways before it writes the routes and sources that steer to them, and
   * keeps them confirmed (every interface pass, i.e. every second): missing entries are resolved,
   * STALE ones and those unconfirmed for {@link #GATEWAY_REPROBE_AFTER} re-probed, since egw_steer
   * writes the MAC itself and no packet ever makes the kernel check it.
   */
  private void resolveGateways(
      int uplink, Map<Integer, EgressEntry> egresses, java.time.Duration wait) {
    Set<Integer> gateways = new TreeSet<>();
    for (EgressEntry e : egresses.values()) {
      if (e.gatewayIp() != 0 && e.gatewayIp() != nodeIp) {
        gateways.add(e.gatewayIp()); // each gateway once, however many egresses it holds
      }
    }
    Set<Integer> pending = new java.util.HashSet<>();
    for (Integer ip : gateways) {
      switch (GatewayNeighbour.of(Neighbours.get(uplink, ip), GATEWAY_REPROBE_AFTER)) {
        case RESOLVE -> {
          Rtnetlink.resolveNeighbor(uplink, ip);
          pending.add(ip);
        }
        case PROBE -> reprobe(uplink, ip);
        case NONE -> {}
      }
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      pending.removeIf(ip -> hasMac(uplink, ip));
      if (!pending.isEmpty()) {
        try {
          Thread.sleep(2);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (!pending.isEmpty() && !wait.isZero()) {
      LOG.warn(
          "gateway neighbour(s) not resolved within "
              + wait.toMillis()
              + " ms: "
              + pending.stream().map(Ipv4::format).toList());
    }
  }

  private static boolean hasMac(int uplink, int ip) {
    Neighbours.Entry e = Neighbours.get(uplink, ip);
    return e != null && (e.state() & Rtnetlink.NUD_VALID) != 0;
  }

  /** A failed re-probe (the entry changed state meanwhile) is retried by the next pass. */
  private static void reprobe(int uplink, int ip) {
    try {
      Neighbours.probe(uplink, ip);
    } catch (DataplaneException e) {
      LOG.debug("gateway neighbour " + Ipv4.format(ip) + " not re-probed: " + e.getMessage());
    }
  }

  @Override
  public synchronized int reconcileInterfaces() {
    try {
      if (installed != null) {
        resolveGateways(
            Rtnetlink.link(settings.uplink()).index(),
            installed.egresses(),
            java.time.Duration.ZERO);
      }
    } catch (DataplaneException e) {
      LOG.warn("gateway neighbours not refreshed: " + e.getMessage());
    }
    int n = reconcileUplink();
    for (Rtnetlink.Link link : Rtnetlink.links()) {
      if (link.name().equals(settings.uplink())) {
        uplinkSeen(link);
      }
      if (attachPodInterface(link)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Attaches egw_classify to link when it is a pod interface and does not have it yet. Called for
   * every link on each pass and, from {@link InterfaceWatcher}, for a link the moment it appears: a
   * pod must not send unclassified (with its node's address) while waiting for the next pass. Needs
   * no lock: it only reads program fds and talks to the kernel.
   *
   * @return true when an attachment was made
   */
  public boolean attachPodInterface(Rtnetlink.Link link) {
    if (!podInterfaces().test(link)) {
      return false;
    }
    try {
      return bpf.ensureAttached(link.index(), true, PROG_CLASSIFY);
    } catch (DataplaneException e) {
      // the pod may have gone between listing and attaching; the next pass retries
      LOG.warn("classifier not attached to " + link.name() + ": " + e.getMessage());
      return false;
    }
  }

  private volatile boolean uplinkUp = true;

  @Override
  public boolean uplinkUp() {
    return uplinkUp;
  }

  /**
   * Records the uplink's operational state from {@code link} (a link event or a pass): logged when
   * it changes, reported with the next heartbeat.
   */
  void uplinkSeen(Rtnetlink.Link link) {
    boolean running = link.isRunning();
    if (running != uplinkUp) {
      uplinkUp = running;
      if (running) {
        LOG.info("uplink " + link.name() + " is up again");
      } else {
        LOG.warn(
            "uplink "
                + link.name()
                + " is down (no carrier): this node reports it, and the controller moves its"
                + " floating IPs");
      }
    }
  }

  /** The uplink's name (the setting). */
  String uplinkName() {
    return settings.uplink();
  }

  /** The uplink's index, looked up afresh (the interface may have been re-created). */
  int uplinkIndex() {
    return Rtnetlink.link(settings.uplink()).index();
  }

  /**
   * Puts back what someone else may have removed on the uplink: egw_gateway / egw_steer (as tcx
   * links, which a deleted clsact qdisc does not take along; classic filters where tcx is missing)
   * and the nft table {@code ip egressgw} with the installed SNAT elements. Runs on every pass and
   * after link and tc events. A pass that repairs something logs it at WARN: on a healthy node it
   * never does.
   *
   * @return the number of hooks (re)attached plus 1 when the nft table was re-created
   */
  public synchronized int reconcileUplink() {
    int uplink = uplinkIndex();
    int n = 0;
    if (bpf.ensureUplinkAttached(uplink, true, PROG_GATEWAY)
        != DataplaneObject.Attachment.PRESENT) {
      n++;
    }
    if (bpf.ensureUplinkAttached(uplink, false, PROG_STEER) != DataplaneObject.Attachment.PRESENT) {
      n++;
    }
    if (installed != null && !natTable.matches(installed.snat())) {
      natTable.install(installed.snat());
      n++;
    }
    if (n > 0 && installed != null) {
      LOG.warn("uplink " + settings.uplink() + ": re-attached " + n + " hook(s)/table(s)");
    }
    return n;
  }

  @Override
  public synchronized long appliedGeneration() {
    return appliedGeneration;
  }

  @Override
  public String nodeIP() {
    return Ipv4.format(nodeIp);
  }

  @Override
  public List<String> subnets() {
    return AgentNodeInfo.subnets(notNodeInterfaces(), settings.floatingLabel());
  }

  @Override
  public synchronized List<String> heldFloatingIPs() {
    int uplink = Rtnetlink.link(settings.uplink()).index();
    return Rtnetlink.addresses().stream()
        .filter(a -> a.ifindex() == uplink && a.label().equals(settings.floatingLabel()))
        .map(a -> Ipv4.format(a.address()))
        .toList();
  }

  @Override
  public synchronized Map<String, PolicyCounters> counters() {
    Map<String, PolicyCounters> out = new TreeMap<>();
    policyByEgress.forEach(
        (id, policy) -> {
          byte[] v = bpf.counters().lookup(MapCodec.u32(id));
          PolicyCounters c =
              v == null ? new PolicyCounters(0, 0) : MapCodec.sumCounters(v, bpf.possibleCpus());
          out.merge(
              policy,
              c,
              (a, b) -> new PolicyCounters(a.packets() + b.packets(), a.bytes() + b.bytes()));
        });
    return out;
  }

  /**
   * Packets egw_classify dropped because their source was not known to this node yet and their
   * destination is guarded (since the counters map was created; survives agent restarts).
   */
  @Override
  public long guardDrops() {
    return droppedPackets(DROP_GUARD);
  }

  /**
   * Packets dropped per reason (guard, no_egress, no_neighbour, not_on_link) since the map exists.
   */
  @Override
  public Map<String, Long> drops() {
    Map<String, Long> out = new TreeMap<>();
    for (int reason = 0; reason < DROP_REASONS; reason++) {
      out.put(DROP_REASON_NAMES.get(reason), droppedPackets(reason));
    }
    return out;
  }

  private long droppedPackets(int reason) {
    byte[] v = bpf.drops().lookup(MapCodec.u32(reason));
    return v == null ? 0 : MapCodec.sumCounters(v, bpf.possibleCpus()).packets();
  }

  /** One ctnetlink dump, outside the lock: applies need not wait for it. */
  @Override
  public Map<String, Long> snatConnections() {
    Set<Integer> held = new TreeSet<>();
    heldFloatingIPs().forEach(ip -> held.add(Ipv4.parseOrThrow(ip)));
    Map<String, Long> out = new TreeMap<>();
    Conntrack.connectionsByReplyDestination(held).forEach((ip, n) -> out.put(Ipv4.format(ip), n));
    return out;
  }

  @Override
  public Map<String, Long> conntrackFailures() {
    ConntrackMessages.Stats s = Conntrack.stats();
    return Map.of(SnatMetrics.INSERT_FAILED, s.insertFailed(), SnatMetrics.DROP, s.drop());
  }

  @Override
  public String applyError() {
    return applyError;
  }

  /** Locked memory the kernel charges per BPF map, by map name (benchmarks, diagnostics). */
  public Map<String, Long> memlockBytes() {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    for (io.egressgw.dataplane.BpfMap m : bpf.maps()) {
      out.put(m.name(), m.memlockBytes());
    }
    return out;
  }

  /** The installed state as last written or read back (for tests and diagnostics). */
  public synchronized DataplaneState installed() {
    return installed;
  }

  @Override
  public synchronized void close() {
    // leases are no longer renewed: this node's floating IPs fall silent once they run out
    leaseTimer.shutdownNow();
    yieldWorker.shutdownNow();
    nft.close();
    bpf.close();
  }
}

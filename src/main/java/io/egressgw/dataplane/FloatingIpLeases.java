package io.egressgw.dataplane;

import static io.egressgw.dataplane.MapLayouts.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * This node's leases on its floating IPs: the egw_leases map (written here only) and the claims by
 * other hosts the BPF programs record in egw_yields (read here, cleared on release). The BPF
 * programs answer ARP for and accept traffic to a floating IP only while its lease is {@link
 * State#LIVE}, and send traffic from it while it is live or {@link State#YIELDED} with its deadline
 * still ahead (see src/native-ebpf/lib/lease.h).
 *
 * <p>Times are {@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC, the clock of the BPF
 * helper bpf_ktime_get_ns(); callers pass them in. Not thread-safe: the caller serialises.
 */
public final class FloatingIpLeases {
  /** What the dataplane does with a floating IP now. */
  public enum State {
    /** Not in egw_leases: the BPF programs leave it alone. */
    NONE,
    /** This node owns the IP. */
    LIVE,
    /** The lease ran out (a dead or paused agent): silent until taken again. */
    LAPSED,
    /**
     * Another host claimed the IP since it was taken: no ARP for it and no traffic to it until
     * taken again; what this node SNATs to it still leaves until the lease's deadline (never
     * renewed), the flows other nodes steer here until their next program.
     */
    YIELDED
  }

  /** Another host's ARP claim of one of this node's floating IPs. */
  public record Claim(String claimerMac, long atNanos) {}

  private final BpfMap leases;
  private final BpfMap yields;

  public FloatingIpLeases(BpfMap leases, BpfMap yields) {
    this.leases = leases;
    this.yields = yields;
  }

  /** Takes the IP (again) at {@code now}: live until now + duration; older claims stop counting. */
  public void take(int ip, long now, long durationNanos) {
    leases.update(key(ip), lease(now + durationNanos, now));
  }

  /** Records the IP as held but lapsed: silent until taken (an address found without a lease). */
  public void lapse(int ip) {
    leases.update(key(ip), lease(0, 0));
  }

  /**
   * Extends a live lease to {@code now + duration}; a lapsed or yielded one stays so (renewal never
   * revives: a paused agent that wakes up must not claim an IP the controller may have moved).
   * {@code now} must be read before this call, so that a pause inside it cannot stretch the lease
   * past what a live agent would have written. Returns true when renewed.
   */
  public boolean renew(int ip, long now, long durationNanos) {
    byte[] v = leases.lookup(key(ip));
    if (v == null || state(ip, v, now) != State.LIVE) {
      return false;
    }
    leases.update(key(ip), lease(now + durationNanos, getU64(v, 0, LEASE.takenNs)));
    return true;
  }

  /**
   * Extends a yielded lease that still runs to {@code now + duration}, but never past {@code grace}
   * after the claim: a yielded IP stays silent (no ARP, no traffic to it), while what this node
   * SNATs to it still leaves, for the flows other nodes steer here until their next program (a
   * planned hand-over's rollout step, longer than a lease on a loaded node). A lapsed lease is not
   * revived (a paused agent that wakes up), nor one this node holds without a claim. Returns true
   * when extended.
   */
  public boolean extendYielded(int ip, long now, long durationNanos, long graceNanos) {
    byte[] v = leases.lookup(key(ip));
    if (v == null) {
      return false;
    }
    long taken = getU64(v, 0, LEASE.takenNs);
    long deadline = getU64(v, 0, LEASE.deadlineNs);
    Optional<Claim> c = claim(ip);
    if (c.isEmpty() || c.get().atNanos() < taken || deadline <= now) {
      return false;
    }
    long until = Math.min(now + durationNanos, c.get().atNanos() + graceNanos);
    if (until <= deadline) {
      return false;
    }
    leases.update(key(ip), lease(until, taken));
    return true;
  }

  /** The state of {@code ip} at {@code now}, as the BPF programs judge it. */
  public State state(int ip, long now) {
    byte[] v = leases.lookup(key(ip));
    return v == null ? State.NONE : state(ip, v, now);
  }

  private State state(int ip, byte[] lease, long now) {
    long taken = getU64(lease, 0, LEASE.takenNs);
    if (claim(ip).filter(c -> c.atNanos() >= taken).isPresent()) {
      return State.YIELDED;
    }
    return getU64(lease, 0, LEASE.deadlineNs) <= now ? State.LAPSED : State.LIVE;
  }

  /**
   * Whether {@code ip}'s lease ran out at or before {@code t} and no other host claimed the IP
   * since this node took it: a lease that lapsed because this agent stalled, not because anyone
   * took over. A lease recorded without a deadline (an address found without one) does not count.
   */
  public boolean lapsedUnclaimedBy(int ip, long t) {
    byte[] v = leases.lookup(key(ip));
    if (v == null) {
      return false;
    }
    long deadline = getU64(v, 0, LEASE.deadlineNs);
    long taken = getU64(v, 0, LEASE.takenNs);
    return deadline != 0 && deadline <= t && claim(ip).filter(c -> c.atNanos() >= taken).isEmpty();
  }

  /** The last claim of {@code ip} by another host, if one was seen. */
  public Optional<Claim> claim(int ip) {
    byte[] v = yields.lookup(key(ip));
    if (v == null) {
      return Optional.empty();
    }
    int off = (int) YIELD.claimer[0].offset();
    String mac = HexFormat.ofDelimiter(":").formatHex(v, off, off + 6);
    return Optional.of(new Claim(mac, getU64(v, 0, YIELD.atNs)));
  }

  /** Claims of IPs in egw_leases that are newer than their lease's taking: ip -> claim. */
  public Map<Integer, Claim> claims(Iterable<Integer> ips) {
    Map<Integer, Claim> out = new HashMap<>();
    for (int ip : ips) {
      byte[] v = leases.lookup(key(ip));
      Optional<Claim> c = claim(ip);
      if (v != null && c.isPresent() && c.get().atNanos() >= getU64(v, 0, LEASE.takenNs)) {
        out.put(ip, c.get());
      }
    }
    return out;
  }

  /**
   * Whether egw_yields holds any claim at all (old ones included): one map call, the cheap test
   * before {@link #claims}.
   */
  public boolean anyClaimRecorded() {
    return yields.dump(1).count() > 0;
  }

  /** Every IP with an entry in egw_leases. */
  public java.util.Set<Integer> ips() {
    BpfMap.Entries e = leases.dump(LEASES_MAX);
    java.util.Set<Integer> out = new java.util.TreeSet<>();
    ByteBuffer keys = ByteBuffer.wrap(e.keys()).order(ByteOrder.BIG_ENDIAN);
    for (int i = 0; i < e.count(); i++) {
      out.add(keys.getInt(i * U32_SIZE));
    }
    return out;
  }

  /** Forgets the IP (after its address is gone): the BPF programs leave it alone from now on. */
  public void remove(int ip) {
    leases.deleteMany(key(ip), 1);
    yields.deleteMany(key(ip), 1);
  }

  private static byte[] key(int ip) {
    return ByteBuffer.allocate(U32_SIZE).order(ByteOrder.BIG_ENDIAN).putInt(ip).array();
  }

  private static byte[] lease(long deadline, long taken) {
    byte[] b = new byte[LEASE_SIZE];
    putU64(b, 0, LEASE.deadlineNs, deadline);
    putU64(b, 0, LEASE.takenNs, taken);
    return b;
  }
}

package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Reads the conntrack table of the current network namespace through ctnetlink (a NETLINK_NETFILTER
 * socket, as conntrack(8) does, without running it): how many entries each floating IP carries and
 * conntrack's per-CPU failure counters. Both are the kernel's own figures, exact at the moment of
 * the dump. A dump walks the whole table (one pass however many floating IPs are asked for): on a
 * gateway with a million entries it costs about a second of CPU, so callers read it every few
 * seconds, not per scrape.
 */
public final class Conntrack {
  private Conntrack() {}

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int NETLINK_NETFILTER = 12;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int RECEIVE_TIMEOUT_SECONDS = 5;
  private static final AtomicInteger SEQ = new AtomicInteger(1);

  /** The libc calls a netlink socket needs. */
  public interface LibC {
    int socket(int domain, int type, int protocol);

    int setsockopt(int fd, int level, int option, @In byte[] value, int length);

    long send(int fd, @In byte[] buf, long length, int flags);

    long recv(int fd, @Out byte[] buf, long length, int flags);

    int close(int fd);
  }

  private static volatile LibC libc;

  private static synchronized LibC libc() {
    if (libc == null) {
      libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
    }
    return libc;
  }

  /**
   * Conntrack entries whose reply goes to one of addresses (an IPv4 value as {@link
   * io.egressgw.net.Ipv4} holds it), i.e. the connections SNATed to it: every address asked for is
   * in the answer, with 0 when it has none.
   */
  public static Map<Integer, Long> connectionsByReplyDestination(Set<Integer> addresses) {
    Map<Integer, Long> counts = new TreeMap<>();
    addresses.forEach(a -> counts.put(a, 0L));
    if (addresses.isEmpty()) {
      return counts;
    }
    dump(
        ConntrackMessages.dumpEntriesRequest(SEQ.getAndIncrement()),
        "conntrack dump",
        (type, attrs) -> ConntrackMessages.countReplyDestination(attrs, addresses, counts));
    return counts;
  }

  /** Conntrack's failure counters, summed over the CPUs. */
  public static ConntrackMessages.Stats stats() {
    AtomicReference<ConntrackMessages.Stats> sum =
        new AtomicReference<>(new ConntrackMessages.Stats(0, 0, 0));
    dump(
        ConntrackMessages.dumpCpuStatsRequest(SEQ.getAndIncrement()),
        "conntrack statistics",
        (type, attrs) -> sum.set(sum.get().plus(ConntrackMessages.cpuStats(attrs))));
    return sum.get();
  }

  private static void dump(byte[] request, String what, ConntrackMessages.Visitor visitor) {
    LibC c = libc();
    int fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0) {
      DataplaneException.check(-errno(), what + ": netlink socket");
    }
    try {
      // a kernel that never finishes the dump must not hang the metrics refresh
      byte[] timeout =
          ByteBuffer.allocate(16)
              .order(ByteOrder.nativeOrder())
              .putLong(RECEIVE_TIMEOUT_SECONDS)
              .putLong(0)
              .array();
      c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, timeout.length);
      if (c.send(fd, request, request.length, 0) < 0) {
        DataplaneException.check(-errno(), what + ": send");
      }
      byte[] buf = new byte[1 << 18];
      while (true) {
        long n = c.recv(fd, buf, buf.length, 0);
        if (n < 0) {
          DataplaneException.check(-errno(), what + ": receive");
        }
        if (n == 0 || ConntrackMessages.walk(buf, (int) n, what, visitor)) {
          return;
        }
      }
    } finally {
      c.close(fd);
    }
  }

  private static int errno() {
    int e = jnr.ffi.Runtime.getRuntime(libc()).getLastError();
    return e == 0 ? 5 : e; // EIO when libc did not say
  }
}

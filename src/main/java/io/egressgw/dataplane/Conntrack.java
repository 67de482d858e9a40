package io.egressgw.dataplane;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the conntrack table of the current network namespace through ctnetlink (a NETLINK_NETFILTER
 * socket, as conntrack(8) does, without running it): how many entries each floating IP carries and
 * conntrack's per-CPU failure counters. Both are the kernel's own figures, exact at the moment of
 * the dump. A dump walks the whole table (one pass however many floating IPs are asked for), so its
 * cost grows with the table: callers read it every few seconds, not per scrape.
 */
public final class Conntrack {
  private Conntrack() {}

  private static final AtomicInteger SEQ = new AtomicInteger(1);

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

  /**
   * The IPv4 TCP and UDP entries SNATed to one of addresses (their reply tuple's destination, the
   * source not being that address itself): what a primary sends its standby as a full dump. One
   * walk of the whole table, like {@link #connectionsByReplyDestination}.
   */
  public static List<ConntrackEntry> snatedTo(Set<Integer> addresses) {
    List<ConntrackEntry> out = new ArrayList<>();
    if (addresses.isEmpty()) {
      return out;
    }
    dump(
        ConntrackMessages.dumpEntriesRequest(SEQ.getAndIncrement()),
        "conntrack dump of SNATed entries",
        (type, attrs) -> {
          ConntrackEntry e = ConntrackMessages.entry(attrs);
          if (e != null && addresses.contains(e.natAddress()) && e.snatedTo(e.natAddress())) {
            out.add(e);
          }
        });
    return out;
  }

  /**
   * Deletes the entries whose conntrack mark, masked, equals mark (e.g. one {@link FlowClass} of
   * one egress) and answers how many there were: a filtered dump counts them, one filtered flush
   * deletes them. An entry created between the two is deleted without being counted.
   */
  public static long deleteByMark(int mark, int mask) {
    long[] found = {0};
    dump(
        ConntrackMessages.dumpByMarkRequest(SEQ.getAndIncrement(), mark, mask),
        "conntrack dump by mark",
        (type, attrs) -> found[0]++);
    if (found[0] > 0) {
      NetlinkSocket.exchange(
          NetlinkSocket.NETLINK_NETFILTER,
          ConntrackMessages.deleteByMarkRequest(SEQ.getAndIncrement(), mark, mask),
          false,
          "conntrack delete by mark",
          (type, payload) -> {});
    }
    return found[0];
  }

  /**
   * Installs a replicated entry with its source NAT: creates it, or, when an entry with its
   * original tuple exists, updates that one's status, timeout, mark and TCP state.
   *
   * @return true when created, false when an existing entry was updated
   */
  public static boolean install(ConntrackEntry entry) {
    if (create(entry)) {
      return true;
    }
    NetlinkSocket.exchange(
        NetlinkSocket.NETLINK_NETFILTER,
        ConntrackMessages.newEntryRequest(SEQ.getAndIncrement(), entry, false),
        false,
        "conntrack update",
        (type, payload) -> {});
    return false;
  }

  /**
   * Creates entry (create-exclusive): false when an entry with its original tuple exists. A kernel
   * that sets CONFIRMED only after it applied the given status (older than mainline's order)
   * answers EBUSY to a status carrying it: the create is tried once more without it.
   */
  public static boolean create(ConntrackEntry entry) {
    try {
      createRequest(ConntrackMessages.newEntryRequest(SEQ.getAndIncrement(), entry, true));
      return true;
    } catch (DataplaneException e) {
      if (e.getMessage().contains("EEXIST")) {
        return false;
      }
      if (!e.getMessage().contains("EBUSY")) {
        throw e;
      }
    }
    try {
      createRequest(ConntrackMessages.newEntryRequest(SEQ.getAndIncrement(), entry, true, false));
      return true;
    } catch (DataplaneException e) {
      if (e.getMessage().contains("EEXIST")) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Creates entries (create-exclusive, as {@link #create}) over one netlink socket, many requests a
   * send: one round trip per {@link NetlinkSocket#REQUESTS_PER_SEND} entries instead of a socket
   * and a round trip each (a standby's batches at thousands of new flows a second). Per entry, in
   * order: TRUE created, FALSE an entry with its original tuple exists, null failed (its message
   * added to failures). An EBUSY (a kernel that sets CONFIRMED after the status) goes through
   * {@link #create}.
   */
  public static List<Boolean> createAll(List<ConntrackEntry> entries, List<String> failures) {
    List<byte[]> requests = new ArrayList<>(entries.size());
    for (ConntrackEntry e : entries) {
      requests.add(ConntrackMessages.newEntryRequest(SEQ.getAndIncrement(), e, true));
    }
    int[] errors =
        NetlinkSocket.exchangeEach(NetlinkSocket.NETLINK_NETFILTER, requests, "conntrack create");
    List<Boolean> out = new ArrayList<>(entries.size());
    for (int i = 0; i < errors.length; i++) {
      if (errors[i] == 0) {
        out.add(true);
      } else if (errors[i] == -EEXIST) {
        out.add(false);
      } else if (errors[i] == -EBUSY) {
        try {
          out.add(create(entries.get(i)));
        } catch (DataplaneException e) {
          failures.add(e.getMessage());
          out.add(null);
        }
      } else {
        try {
          DataplaneException.check(errors[i], "conntrack create");
        } catch (DataplaneException e) {
          failures.add(e.getMessage());
        }
        out.add(null);
      }
    }
    return out;
  }

  private static final int EEXIST = 17;
  private static final int EBUSY = 16;

  private static void createRequest(byte[] request) {
    NetlinkSocket.exchange(
        NetlinkSocket.NETLINK_NETFILTER, request, false, "conntrack create", (type, payload) -> {});
  }

  /**
   * Creates entry in place of the kernel's entry with the same original tuple (a flow this node
   * only forwarded, whose NAT binding cannot be changed in place): deletes that entry and creates
   * this one, again if a packet re-created the old one in between (at most three tries).
   *
   * @return true when created; false when another entry kept the tuple after three tries
   */
  public static boolean replace(ConntrackEntry entry) {
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        delete(entry);
      } catch (DataplaneException e) {
        if (!e.getMessage().contains("ENOENT")) {
          throw e;
        }
      }
      if (create(entry)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Stops window checks on every TCP flow SNATed to one of {@code addresses} ("be liberal"): a
   * holder that yielded an IP still SNATs the flows steered to it while the answers pass the new
   * holder. Returns how many entries were changed (a flow gone meanwhile is skipped).
   */
  public static int beLiberal(Set<Integer> addresses) {
    int n = 0;
    for (ConntrackEntry e : snatedTo(addresses)) {
      if (e.protocol() != ConntrackEntry.TCP) {
        continue;
      }
      try {
        NetlinkSocket.exchange(
            NetlinkSocket.NETLINK_NETFILTER,
            ConntrackMessages.beLiberalRequest(SEQ.getAndIncrement(), e),
            false,
            "conntrack update",
            (type, payload) -> {});
        n++;
      } catch (DataplaneException ex) {
        if (!ex.getMessage().contains("ENOENT")) {
          throw ex;
        }
      }
    }
    return n;
  }

  /** Deletes the entry with entry's original tuple (ENOENT when there is none). */
  public static void delete(ConntrackEntry entry) {
    NetlinkSocket.exchange(
        NetlinkSocket.NETLINK_NETFILTER,
        ConntrackMessages.deleteEntryRequest(SEQ.getAndIncrement(), entry),
        false,
        "conntrack delete",
        (type, payload) -> {});
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
    NetlinkSocket.exchange(
        NetlinkSocket.NETLINK_NETFILTER, request, true, what, ConntrackMessages.wrap(visitor));
  }
}

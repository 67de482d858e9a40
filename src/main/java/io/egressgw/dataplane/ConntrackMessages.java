package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;

/**
 * The ctnetlink messages the agent exchanges with the kernel (NETLINK_NETFILTER, subsystem
 * CTNETLINK; linux/netfilter/nfnetlink_conntrack.h): the dump requests it sends and the parts of
 * the answers it reads. Plain byte work, no socket, so that the layouts are tested without root.
 *
 * <p>Netlink headers and attribute headers are in host order; the IPv4 addresses and the per-CPU
 * statistics inside the attributes are in network order.
 */
public final class ConntrackMessages {
  private ConntrackMessages() {}

  static final int NLMSG_HDRLEN = 16;
  static final int NFGENMSG_LEN = 4;
  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int NLM_F_REQUEST = 0x1;
  static final int NLM_F_DUMP = 0x300;

  static final int NFNL_SUBSYS_CTNETLINK = 1;
  static final int IPCTNL_MSG_CT_GET = 1;
  static final int IPCTNL_MSG_CT_GET_STATS_CPU = 4;

  static final int AF_UNSPEC = 0;
  static final int AF_INET = 2;

  static final int CTA_TUPLE_REPLY = 2;
  static final int CTA_TUPLE_IP = 1;
  static final int CTA_IP_V4_DST = 2;

  static final int CTA_STATS_INSERT_FAILED = 9;
  static final int CTA_STATS_DROP = 10;
  static final int CTA_STATS_EARLY_DROP = 11;

  /** nla_type without NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
  private static final int NLA_TYPE_MASK = 0x3fff;

  /**
   * Conntrack's failures to create an entry, summed over CPUs (the kernel counts them per CPU):
   * insertFailed, a new entry that lost the race for its tuple (with SNAT: no free source port
   * found in time); drop, a packet dropped because the table was full and nothing could be evicted;
   * earlyDrop, an entry evicted to make room.
   */
  public record Stats(long insertFailed, long drop, long earlyDrop) {
    Stats plus(Stats o) {
      return new Stats(insertFailed + o.insertFailed, drop + o.drop, earlyDrop + o.earlyDrop);
    }
  }

  /** A dump of every IPv4 conntrack entry. */
  static byte[] dumpEntriesRequest(int seq) {
    return request(IPCTNL_MSG_CT_GET, AF_INET, seq);
  }

  /** A dump of the per-CPU statistics (one message per CPU). */
  static byte[] dumpCpuStatsRequest(int seq) {
    return request(IPCTNL_MSG_CT_GET_STATS_CPU, AF_UNSPEC, seq);
  }

  private static byte[] request(int msg, int family, int seq) {
    ByteBuffer b = ByteBuffer.allocate(NLMSG_HDRLEN + NFGENMSG_LEN).order(ByteOrder.nativeOrder());
    b.putInt(NLMSG_HDRLEN + NFGENMSG_LEN);
    b.putShort((short) (NFNL_SUBSYS_CTNETLINK << 8 | msg));
    b.putShort((short) (NLM_F_REQUEST | NLM_F_DUMP));
    b.putInt(seq);
    b.putInt(0); // the kernel fills in our port
    b.put((byte) family);
    b.put((byte) 0); // NFNETLINK_V0
    b.putShort((short) 0); // res_id
    return b.array();
  }

  /** What one netlink message of a dump is. */
  interface Visitor {
    /** Called with the message's payload after its nfgenmsg header (position to limit). */
    void message(int type, ByteBuffer attributes);
  }

  /**
   * Walks the netlink messages of one datagram of a dump answer.
   *
   * @return true when the datagram ends the dump (NLMSG_DONE)
   * @throws DataplaneException when the kernel answered with an error
   */
  static boolean walk(byte[] datagram, int length, String what, Visitor visitor) {
    ByteBuffer b = ByteBuffer.wrap(datagram, 0, length).order(ByteOrder.nativeOrder());
    while (b.remaining() >= NLMSG_HDRLEN) {
      int start = b.position();
      int len = b.getInt(start);
      int type = b.getShort(start + 4) & 0xffff;
      if (len < NLMSG_HDRLEN || start + len > length) {
        throw new DataplaneException(what + ": malformed netlink message");
      }
      if (type == NLMSG_DONE) {
        return true;
      }
      if (type == NLMSG_ERROR) {
        int errno = b.getInt(start + NLMSG_HDRLEN);
        DataplaneException.check(errno, what);
      } else if (len >= NLMSG_HDRLEN + NFGENMSG_LEN) {
        ByteBuffer attrs = b.duplicate().order(ByteOrder.nativeOrder());
        attrs.position(start + NLMSG_HDRLEN + NFGENMSG_LEN).limit(start + len);
        visitor.message(type & 0xff, attrs.slice().order(ByteOrder.nativeOrder()));
      }
      b.position(start + align(len));
    }
    return false;
  }

  /** Counts one conntrack entry when the destination of its reply tuple is in addresses. */
  static void countReplyDestination(
      ByteBuffer entryAttributes, Set<Integer> addresses, Map<Integer, Long> counts) {
    ByteBuffer reply = attribute(entryAttributes, CTA_TUPLE_REPLY);
    ByteBuffer ip = reply == null ? null : attribute(reply, CTA_TUPLE_IP);
    ByteBuffer dst = ip == null ? null : attribute(ip, CTA_IP_V4_DST);
    if (dst == null || dst.remaining() < 4) {
      return;
    }
    int address = dst.order(ByteOrder.BIG_ENDIAN).getInt(0);
    if (addresses.contains(address)) {
      counts.merge(address, 1L, Long::sum);
    }
  }

  /** The failure counters of one CPU's statistics message. */
  static Stats cpuStats(ByteBuffer attributes) {
    return new Stats(
        be32(attributes, CTA_STATS_INSERT_FAILED),
        be32(attributes, CTA_STATS_DROP),
        be32(attributes, CTA_STATS_EARLY_DROP));
  }

  private static long be32(ByteBuffer attributes, int type) {
    ByteBuffer a = attribute(attributes, type);
    return a == null || a.remaining() < 4
        ? 0
        : Integer.toUnsignedLong(a.order(ByteOrder.BIG_ENDIAN).getInt(0));
  }

  /** The payload of the first attribute of the given type, or null. */
  static ByteBuffer attribute(ByteBuffer attributes, int type) {
    ByteBuffer b = attributes.duplicate().order(ByteOrder.nativeOrder());
    b.position(0);
    while (b.remaining() >= 4) {
      int start = b.position();
      int len = b.getShort(start) & 0xffff;
      int t = b.getShort(start + 2) & NLA_TYPE_MASK;
      if (len < 4 || start + len > b.limit()) {
        return null;
      }
      if (t == type) {
        ByteBuffer payload = b.duplicate();
        payload.position(start + 4).limit(start + len);
        return payload.slice().order(ByteOrder.nativeOrder());
      }
      b.position(Math.min(b.limit(), start + align(len)));
    }
    return null;
  }

  private static int align(int len) {
    return (len + 3) & ~3;
  }
}

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

  static final int NFGENMSG_LEN = 4;
  private static final int NLMSG_HDRLEN = NetlinkMessages.NLMSG_HDRLEN;
  private static final int NLM_F_REQUEST = NetlinkMessages.NLM_F_REQUEST;
  private static final int NLM_F_DUMP = NetlinkMessages.NLM_F_DUMP;

  static final int NFNL_SUBSYS_CTNETLINK = 1;
  static final int IPCTNL_MSG_CT_GET = 1;
  static final int IPCTNL_MSG_CT_DELETE = 2;
  static final int IPCTNL_MSG_CT_GET_STATS_CPU = 4;

  static final int AF_UNSPEC = 0;
  static final int AF_INET = 2;

  static final int CTA_TUPLE_REPLY = 2;
  static final int CTA_MARK = 8;
  static final int CTA_MARK_MASK = 21;
  static final int CTA_TUPLE_IP = 1;
  static final int CTA_IP_V4_DST = 2;

  static final int CTA_STATS_INSERT_FAILED = 9;
  static final int CTA_STATS_DROP = 10;
  static final int CTA_STATS_EARLY_DROP = 11;

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

  /**
   * A dump of the IPv4 entries whose conntrack mark, masked, equals mark (the kernel filters; the
   * dump walks the whole table).
   */
  static byte[] dumpByMarkRequest(int seq, int mark, int mask) {
    return withMark(request(IPCTNL_MSG_CT_GET, AF_INET, seq), mark, mask);
  }

  /**
   * Deletes every entry whose conntrack mark, masked, equals mark: a flush with a filter (no tuple
   * given), acknowledged.
   */
  static byte[] deleteByMarkRequest(int seq, int mark, int mask) {
    byte[] b = withMark(request(IPCTNL_MSG_CT_DELETE, AF_INET, seq), mark, mask);
    ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putShort(6, (short) (NLM_F_REQUEST | ACK));
    return b;
  }

  private static final int ACK = NetlinkMessages.NLM_F_ACK;

  /** The request with CTA_MARK and CTA_MARK_MASK (u32, network order) appended. */
  private static byte[] withMark(byte[] request, int mark, int mask) {
    ByteBuffer b =
        ByteBuffer.allocate(request.length + 16).order(ByteOrder.nativeOrder()).put(request);
    b.putInt(0, request.length + 16);
    putU32Attribute(b, CTA_MARK, mark);
    putU32Attribute(b, CTA_MARK_MASK, mask);
    return b.array();
  }

  private static void putU32Attribute(ByteBuffer b, int type, int value) {
    b.putShort((short) 8).putShort((short) type);
    b.order(ByteOrder.BIG_ENDIAN).putInt(value).order(ByteOrder.nativeOrder());
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

  /** One ctnetlink message of a dump. */
  interface Visitor {
    /** Called with the message's payload after its nfgenmsg header (position to limit). */
    void message(int type, ByteBuffer attributes);
  }

  /**
   * Walks the ctnetlink messages of one datagram of a dump answer.
   *
   * @return true when the datagram ends the dump (NLMSG_DONE)
   * @throws DataplaneException when the kernel answered with an error
   */
  static boolean walk(byte[] datagram, int length, String what, Visitor visitor) {
    return NetlinkMessages.walk(datagram, length, what, wrap(visitor));
  }

  /** Hands on the ctnetlink message type and the attributes after the nfgenmsg header. */
  static NetlinkMessages.Visitor wrap(Visitor visitor) {
    return (type, payload) -> {
      if (payload.remaining() >= NFGENMSG_LEN) {
        visitor.message(type & 0xff, NetlinkMessages.after(payload, NFGENMSG_LEN));
      }
    };
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
    return NetlinkMessages.attribute(attributes, type);
  }
}

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
  static final int IPCTNL_MSG_CT_NEW = 0;
  static final int IPCTNL_MSG_CT_GET = 1;
  static final int IPCTNL_MSG_CT_DELETE = 2;
  static final int IPCTNL_MSG_CT_GET_STATS_CPU = 4;

  static final int AF_UNSPEC = 0;
  static final int AF_INET = 2;

  static final int CTA_TUPLE_ORIG = 1;
  static final int CTA_TUPLE_REPLY = 2;
  static final int CTA_STATUS = 3;
  static final int CTA_PROTOINFO = 4;
  static final int CTA_NAT_SRC = 6;
  static final int CTA_TIMEOUT = 7;
  static final int CTA_TUPLE_PROTO = 2;
  static final int CTA_IP_V4_SRC = 1;
  static final int CTA_PROTO_NUM = 1;
  static final int CTA_PROTO_SRC_PORT = 2;
  static final int CTA_PROTO_DST_PORT = 3;
  static final int CTA_PROTOINFO_TCP = 1;
  static final int CTA_PROTOINFO_TCP_STATE = 1;
  static final int CTA_PROTOINFO_TCP_WSCALE_ORIGINAL = 2;
  static final int CTA_PROTOINFO_TCP_WSCALE_REPLY = 3;
  static final int CTA_PROTOINFO_TCP_FLAGS_ORIGINAL = 4;
  static final int CTA_PROTOINFO_TCP_FLAGS_REPLY = 5;
  static final int CTA_NAT_V4_MINIP = 1;
  static final int CTA_NAT_V4_MAXIP = 2;
  static final int CTA_NAT_PROTO = 3;
  static final int CTA_PROTONAT_PORT_MIN = 1;
  static final int CTA_PROTONAT_PORT_MAX = 2;

  /**
   * IPS_SEEN_REPLY | IPS_ASSURED: the status bits of the primary's entry a new entry is given (the
   * NAT bits are the kernel's, set from the NAT binding).
   */
  static final int SETTABLE_STATUS = 0x2 | 0x4;

  /**
   * IPS_CONFIRMED: the kernel marks an entry it creates for ctnetlink confirmed before it applies
   * the status it was given, and answers EBUSY to a status without this bit (a status may not clear
   * CONFIRMED, SEEN_REPLY or ASSURED). So a new entry's status carries it.
   */
  static final int IPS_CONFIRMED = 0x8;

  /** IP_CT_TCP_FLAG_BE_LIBERAL: no window checks for a flow this node did not see start. */
  static final int TCP_FLAG_BE_LIBERAL = 0x08;

  static final int NLM_F_EXCL = 0x200;
  static final int NLM_F_CREATE = 0x400;
  private static final int NLA_F_NESTED = 0x8000;
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

  /**
   * The entry in the attributes of a ctnetlink message (event or dump), or null when it is not an
   * IPv4 TCP or UDP entry.
   */
  static ConntrackEntry entry(ByteBuffer attributes) {
    ByteBuffer orig = attribute(attributes, CTA_TUPLE_ORIG);
    ByteBuffer reply = attribute(attributes, CTA_TUPLE_REPLY);
    if (orig == null || reply == null) {
      return null;
    }
    ByteBuffer origIp = attribute(orig, CTA_TUPLE_IP);
    ByteBuffer origProto = attribute(orig, CTA_TUPLE_PROTO);
    ByteBuffer replyIp = attribute(reply, CTA_TUPLE_IP);
    ByteBuffer replyProto = attribute(reply, CTA_TUPLE_PROTO);
    if (origIp == null || origProto == null || replyIp == null || replyProto == null) {
      return null;
    }
    ByteBuffer num = attribute(origProto, CTA_PROTO_NUM);
    int protocol = num == null || num.remaining() < 1 ? -1 : num.get(0) & 0xff;
    if ((protocol != ConntrackEntry.TCP && protocol != ConntrackEntry.UDP)
        || attribute(origIp, CTA_IP_V4_SRC) == null) {
      return null;
    }
    int tcpState = -1;
    int wscaleOrig = -1;
    int wscaleReply = -1;
    ByteBuffer info = attribute(attributes, CTA_PROTOINFO);
    ByteBuffer tcp = info == null ? null : attribute(info, CTA_PROTOINFO_TCP);
    if (tcp != null) {
      tcpState = u8(tcp, CTA_PROTOINFO_TCP_STATE);
      wscaleOrig = u8(tcp, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL);
      wscaleReply = u8(tcp, CTA_PROTOINFO_TCP_WSCALE_REPLY);
    }
    return new ConntrackEntry(
        protocol,
        (int) be32(origIp, CTA_IP_V4_SRC),
        (int) be32(origIp, CTA_IP_V4_DST),
        be16(origProto, CTA_PROTO_SRC_PORT),
        be16(origProto, CTA_PROTO_DST_PORT),
        (int) be32(replyIp, CTA_IP_V4_DST),
        be16(replyProto, CTA_PROTO_DST_PORT),
        (int) be32(attributes, CTA_STATUS),
        (int) be32(attributes, CTA_TIMEOUT),
        (int) be32(attributes, CTA_MARK),
        tcpState,
        wscaleOrig,
        wscaleReply);
  }

  /**
   * IPCTNL_MSG_CT_NEW for a replicated entry, as conntrackd commits one: the original tuple, the
   * reply tuple as it was before NAT (the original inverted) and the source NAT pinned to the
   * entry's address and port (the kernel then computes the NATed reply tuple itself), the settable
   * status bits, timeout, mark and, for TCP, state, window scales and "be liberal" (this node never
   * saw the flow's sequence numbers).
   *
   * @param create true: create only (NLM_F_CREATE | NLM_F_EXCL, EEXIST when it exists); false:
   *     update the existing entry's status, timeout and TCP state (not its NAT, which the kernel
   *     refuses to change, nor its mark: it may be a flow this node forwarded, whose class stays)
   */
  static byte[] newEntryRequest(int seq, ConntrackEntry e, boolean create) {
    return newEntryRequest(seq, e, create, true);
  }

  /**
   * @param confirmed whether a new entry's status carries CONFIRMED (see {@link #IPS_CONFIRMED};
   *     false only for a kernel that answered EBUSY to it)
   */
  static byte[] newEntryRequest(int seq, ConntrackEntry e, boolean create, boolean confirmed) {
    ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
    b.putInt(0); // length, below
    b.putShort((short) (NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW));
    b.putShort((short) (NLM_F_REQUEST | ACK | (create ? NLM_F_CREATE | NLM_F_EXCL : 0)));
    b.putInt(seq);
    b.putInt(0);
    b.put((byte) AF_INET).put((byte) 0).putShort((short) 0);
    tuple(
        b,
        CTA_TUPLE_ORIG,
        e.protocol(),
        e.source(),
        e.destination(),
        e.sourcePort(),
        e.destinationPort());
    if (create) {
      tuple(
          b,
          CTA_TUPLE_REPLY,
          e.protocol(),
          e.destination(),
          e.source(),
          e.destinationPort(),
          e.sourcePort());
      int nat = begin(b, CTA_NAT_SRC);
      putU32Attribute(b, CTA_NAT_V4_MINIP, e.natAddress());
      putU32Attribute(b, CTA_NAT_V4_MAXIP, e.natAddress());
      int ports = begin(b, CTA_NAT_PROTO);
      putU16Attribute(b, CTA_PROTONAT_PORT_MIN, e.natPort());
      putU16Attribute(b, CTA_PROTONAT_PORT_MAX, e.natPort());
      end(b, ports);
      end(b, nat);
    }
    if (create) {
      putU32Attribute(
          b, CTA_STATUS, (e.status() & SETTABLE_STATUS) | (confirmed ? IPS_CONFIRMED : 0));
    } else if ((e.status() & SETTABLE_STATUS) == SETTABLE_STATUS) {
      // an existing (confirmed) entry: the kernel refuses to clear a bit it has, so an update
      // only ever sets all three; an entry the primary saw answered becomes ASSURED here too
      // (conntrack's early drop spares those)
      putU32Attribute(b, CTA_STATUS, SETTABLE_STATUS | IPS_CONFIRMED);
    }
    putU32Attribute(b, CTA_TIMEOUT, Math.max(1, e.timeoutSeconds()));
    if (create) {
      // an existing entry keeps its mark: it may be this node's own forwarded flow
      putU32Attribute(b, CTA_MARK, e.mark());
    }
    if (e.protocol() == ConntrackEntry.TCP && e.tcpState() >= 0) {
      int info = begin(b, CTA_PROTOINFO);
      int tcp = begin(b, CTA_PROTOINFO_TCP);
      putU8Attribute(b, CTA_PROTOINFO_TCP_STATE, e.tcpState());
      if (create && e.tcpWscaleOriginal() >= 0 && e.tcpWscaleReply() >= 0) {
        putU8Attribute(b, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL, e.tcpWscaleOriginal());
        putU8Attribute(b, CTA_PROTOINFO_TCP_WSCALE_REPLY, e.tcpWscaleReply());
      }
      putBeLiberal(b);
      end(b, tcp);
      end(b, info);
    }
    b.putInt(0, b.position());
    byte[] out = new byte[b.position()];
    b.get(0, out);
    return out;
  }

  /** "Be liberal" in both directions of a CTA_PROTOINFO_TCP. */
  private static void putBeLiberal(ByteBuffer b) {
    for (int dir : new int[] {CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, CTA_PROTOINFO_TCP_FLAGS_REPLY}) {
      // struct nf_ct_tcp_flags { u8 flags; u8 mask; }
      b.putShort((short) 6).putShort((short) dir);
      b.put((byte) TCP_FLAG_BE_LIBERAL).put((byte) TCP_FLAG_BE_LIBERAL).putShort((short) 0);
    }
  }

  /**
   * IPCTNL_MSG_CT_NEW that changes nothing of the existing TCP entry with e's original tuple but
   * its flags: "be liberal" both ways (no window checks). A yielded holder's flows see their
   * answers pass another node; without it, conntrack here finds their next ACKs INVALID, and an
   * INVALID packet is not NATed.
   */
  static byte[] beLiberalRequest(int seq, ConntrackEntry e) {
    return entryRequest(
        seq,
        IPCTNL_MSG_CT_NEW,
        e,
        b -> {
          int info = begin(b, CTA_PROTOINFO);
          int tcp = begin(b, CTA_PROTOINFO_TCP);
          putBeLiberal(b);
          end(b, tcp);
          end(b, info);
        });
  }

  /** IPCTNL_MSG_CT_DELETE of the entry with this original tuple, acknowledged. */
  static byte[] deleteEntryRequest(int seq, ConntrackEntry e) {
    return entryRequest(seq, IPCTNL_MSG_CT_DELETE, e, b -> {});
  }

  /**
   * An acknowledged request of {@code type} about the entry with e's original tuple, with {@code
   * body}'s attributes after the tuple.
   */
  private static byte[] entryRequest(
      int seq, int type, ConntrackEntry e, java.util.function.Consumer<ByteBuffer> body) {
    ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
    b.putInt(0);
    b.putShort((short) (NFNL_SUBSYS_CTNETLINK << 8 | type));
    b.putShort((short) (NLM_F_REQUEST | ACK));
    b.putInt(seq);
    b.putInt(0);
    b.put((byte) AF_INET).put((byte) 0).putShort((short) 0);
    tuple(
        b,
        CTA_TUPLE_ORIG,
        e.protocol(),
        e.source(),
        e.destination(),
        e.sourcePort(),
        e.destinationPort());
    body.accept(b);
    b.putInt(0, b.position());
    byte[] out = new byte[b.position()];
    b.get(0, out);
    return out;
  }

  private static void tuple(
      ByteBuffer b, int type, int protocol, int src, int dst, int sport, int dport) {
    int t = begin(b, type);
    int ip = begin(b, CTA_TUPLE_IP);
    putU32Attribute(b, CTA_IP_V4_SRC, src);
    putU32Attribute(b, CTA_IP_V4_DST, dst);
    end(b, ip);
    int proto = begin(b, CTA_TUPLE_PROTO);
    putU8Attribute(b, CTA_PROTO_NUM, protocol);
    putU16Attribute(b, CTA_PROTO_SRC_PORT, sport);
    putU16Attribute(b, CTA_PROTO_DST_PORT, dport);
    end(b, proto);
    end(b, t);
  }

  /** Starts a nested attribute; returns its start for {@link #end}. */
  private static int begin(ByteBuffer b, int type) {
    int start = b.position();
    b.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
    return start;
  }

  private static void end(ByteBuffer b, int start) {
    b.putShort(start, (short) (b.position() - start));
  }

  private static void putU8Attribute(ByteBuffer b, int type, int value) {
    b.putShort((short) 5).putShort((short) type).put((byte) value).put(new byte[3]);
  }

  private static void putU16Attribute(ByteBuffer b, int type, int value) {
    b.putShort((short) 6).putShort((short) type);
    b.order(ByteOrder.BIG_ENDIAN).putShort((short) value).order(ByteOrder.nativeOrder());
    b.putShort((short) 0);
  }

  private static int u8(ByteBuffer attributes, int type) {
    ByteBuffer a = attribute(attributes, type);
    return a == null || a.remaining() < 1 ? -1 : a.get(0) & 0xff;
  }

  private static int be16(ByteBuffer attributes, int type) {
    ByteBuffer a = attribute(attributes, type);
    return a == null || a.remaining() < 2 ? 0 : a.order(ByteOrder.BIG_ENDIAN).getShort(0) & 0xffff;
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

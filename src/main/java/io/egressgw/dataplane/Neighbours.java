package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReference;

/**
 * IPv4 neighbour entries of the current network namespace, through rtnetlink from Java: an entry's
 * state with the age of its last confirmation, and a re-probe (state NUD_PROBE, as {@code ip neigh
 * change ADDR dev DEV nud probe}): the kernel sends unicast ARP probes to the MAC it holds, keeps
 * the entry on an answer and fails it after {@code ucast_solicit} unanswered probes, so that the
 * next resolution asks everybody again.
 */
public final class Neighbours {
  private Neighbours() {}

  public static final int NUD_INCOMPLETE = 0x01;
  public static final int NUD_REACHABLE = 0x02;
  public static final int NUD_STALE = 0x04;
  public static final int NUD_DELAY = 0x08;
  public static final int NUD_PROBE = 0x10;
  public static final int NUD_FAILED = 0x20;
  public static final int NUD_NOARP = 0x40;
  public static final int NUD_PERMANENT = 0x80;

  static final int RTM_NEWNEIGH = 28;
  static final int RTM_GETNEIGH = 30;
  static final int NDMSG_LEN = 12;
  static final int NDA_DST = 1;
  static final int NDA_CACHEINFO = 3;
  private static final int AF_INET = 2;

  /** clock_t ticks per second in nda_cacheinfo (USER_HZ, 100 on every Linux architecture). */
  private static final int USER_HZ = 100;

  /** An entry: its NUD_* state and how long ago the neighbour last confirmed its address. */
  public record Entry(int state, long confirmedMillisAgo) {}

  /** The entry of address on ifindex, or null when the kernel has none. */
  public static Entry get(int ifindex, int address) {
    AtomicReference<Entry> entry = new AtomicReference<>();
    try {
      NetlinkSocket.exchange(
          NetlinkSocket.NETLINK_ROUTE,
          request(RTM_GETNEIGH, NetlinkMessages.NLM_F_REQUEST, ifindex, address, 0),
          false,
          "neighbour " + io.egressgw.net.Ipv4.format(address),
          (type, payload) -> {
            if (type == RTM_NEWNEIGH) {
              entry.set(entry(payload));
            }
          });
    } catch (DataplaneException e) {
      if (e.getMessage().contains("ENOENT")) {
        return null;
      }
      throw e;
    }
    return entry.get();
  }

  /** Puts an entry that has a MAC into NUD_PROBE: the kernel re-probes it now. */
  public static void probe(int ifindex, int address) {
    NetlinkSocket.exchange(
        NetlinkSocket.NETLINK_ROUTE,
        request(
            RTM_NEWNEIGH,
            NetlinkMessages.NLM_F_REQUEST
                | NetlinkMessages.NLM_F_ACK
                | NetlinkMessages.NLM_F_REPLACE,
            ifindex,
            address,
            NUD_PROBE),
        false,
        "re-probe neighbour " + io.egressgw.net.Ipv4.format(address),
        (type, payload) -> {});
  }

  /** nlmsghdr, ndmsg for AF_INET on ifindex with state, and NDA_DST (network order). */
  static byte[] request(int type, int flags, int ifindex, int address, int state) {
    int len = NetlinkMessages.NLMSG_HDRLEN + NDMSG_LEN + 8;
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
    b.putInt(len).putShort((short) type).putShort((short) flags).putInt(1).putInt(0);
    b.put((byte) AF_INET).put((byte) 0).putShort((short) 0);
    b.putInt(ifindex).putShort((short) state).put((byte) 0).put((byte) 0);
    b.putShort((short) 8).putShort((short) NDA_DST);
    b.order(ByteOrder.BIG_ENDIAN).putInt(address);
    return b.array();
  }

  /** Reads an RTM_NEWNEIGH payload (ndmsg, then attributes). */
  static Entry entry(ByteBuffer payload) {
    int state = payload.getShort(8) & 0xffff;
    ByteBuffer cache =
        NetlinkMessages.attribute(NetlinkMessages.after(payload, NDMSG_LEN), NDA_CACHEINFO);
    long confirmed =
        cache == null || cache.remaining() < 4
            ? Long.MAX_VALUE
            : Integer.toUnsignedLong(cache.getInt(0)) * 1000 / USER_HZ;
    return new Entry(state, confirmed);
  }
}

package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Netlink framing shared by the agent's Java netlink messages (ctnetlink, neighbours): walking the
 * messages of a datagram and finding attributes. Headers are in host order.
 */
final class NetlinkMessages {
  private NetlinkMessages() {}

  static final int NLMSG_HDRLEN = 16;
  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int NLM_F_REQUEST = 0x1;
  static final int NLM_F_ACK = 0x4;
  static final int NLM_F_REPLACE = 0x100;
  static final int NLM_F_DUMP = 0x300;

  /** nla_type without NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
  private static final int NLA_TYPE_MASK = 0x3fff;

  /** One netlink message of an answer. */
  interface Visitor {
    /** Called with the message's type and its payload after the netlink header. */
    void message(int type, ByteBuffer payload);
  }

  /**
   * Walks the netlink messages of one datagram.
   *
   * @return true when the datagram ends the exchange (NLMSG_DONE, or an acknowledgement)
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
        DataplaneException.check(b.getInt(start + NLMSG_HDRLEN), what);
        return true; // error 0: the acknowledgement of a request
      }
      ByteBuffer payload = b.duplicate();
      payload.position(start + NLMSG_HDRLEN).limit(start + len);
      visitor.message(type, payload.slice().order(ByteOrder.nativeOrder()));
      b.position(Math.min(length, start + align(len)));
    }
    return false;
  }

  /** The payload of the first attribute of the given type in attributes (from 0), or null. */
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

  /** The attributes after a fixed header of headerLength bytes. */
  static ByteBuffer after(ByteBuffer payload, int headerLength) {
    ByteBuffer b = payload.duplicate();
    b.position(Math.min(b.limit(), headerLength));
    return b.slice().order(ByteOrder.nativeOrder());
  }

  static int align(int len) {
    return (len + 3) & ~3;
  }
}

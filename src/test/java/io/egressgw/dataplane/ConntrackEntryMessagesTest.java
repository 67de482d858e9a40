package io.egressgw.dataplane;

import static io.egressgw.dataplane.ConntrackMessagesTest.attr;
import static io.egressgw.dataplane.ConntrackMessagesTest.be32Attr;
import static io.egressgw.dataplane.ConntrackMessagesTest.concat;
import static io.egressgw.dataplane.ConntrackMessagesTest.ipAttr;
import static io.egressgw.dataplane.ConntrackMessagesTest.message;
import static io.egressgw.dataplane.ConntrackMessagesTest.nested;
import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.net.Ipv4;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replication's ctnetlink messages without a kernel: an event's entry is read with its SNAT
 * binding, and a replicated entry is created as conntrackd commits one (reply tuple before NAT,
 * source NAT pinned to the entry's address and port, be-liberal TCP).
 */
class ConntrackEntryMessagesTest {
  static final int POD = Ipv4.parseOrThrow("10.244.1.2");
  static final int EXT = Ipv4.parseOrThrow("203.0.113.10");
  static final int FLOATING = Ipv4.parseOrThrow("10.77.0.100");

  static final ConntrackEntry ESTABLISHED =
      new ConntrackEntry(
          6, POD, EXT, 40000, 7792, FLOATING, 40001, 0x18e, 431999, 0xd2000, 3, 7, 7);

  @Test
  void anEventsEntryIsReadWithItsSnatBindingFromTheReplyTuple() {
    byte[] datagram =
        message(
            0x0100,
            concat(
                tuple(1, "10.244.1.2", "203.0.113.10", 40000, 7792),
                tuple(2, "203.0.113.10", "10.77.0.100", 7792, 40001),
                be32Attr(3, 0x18e),
                nested(4, nested(1, concat(u8Attr(1, 3), u8Attr(2, 7), u8Attr(3, 7)))),
                be32Attr(7, 431999),
                be32Attr(8, 0xd2000)));
    List<ConntrackEntry> entries = new ArrayList<>();

    ConntrackEvents.dispatch(datagram, datagram.length, listener(entries));

    assertThat(entries).containsExactly(ESTABLISHED);
    assertThat(ESTABLISHED.snatedTo(FLOATING)).isTrue();
  }

  @Test
  void aReplicatedEntryIsCreatedWithTheReplyBeforeNatAndTheSourceNatPinned() {
    ByteBuffer msg =
        ByteBuffer.wrap(ConntrackMessages.newEntryRequest(9, ESTABLISHED, true))
            .order(ByteOrder.nativeOrder());
    ByteBuffer attrs = NetlinkMessages.after(NetlinkMessages.after(msg, 16), 4);

    assertThat(msg.getInt(0)).as("nlmsg_len").isEqualTo(msg.capacity());
    assertThat(msg.getShort(4)).as("IPCTNL_MSG_CT_NEW").isEqualTo((short) 0x0100);
    assertThat(msg.getShort(6)).as("REQUEST|ACK|EXCL|CREATE").isEqualTo((short) 0x0605);
    ByteBuffer reply = ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_TUPLE_REPLY);
    ByteBuffer replyIp = ConntrackMessages.attribute(reply, ConntrackMessages.CTA_TUPLE_IP);
    assertThat(be32(replyIp, 1)).as("reply source: the destination").isEqualTo(EXT);
    assertThat(be32(replyIp, 2)).as("reply destination: the pod, before NAT").isEqualTo(POD);
    ByteBuffer nat = ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_NAT_SRC);
    assertThat(be32(nat, 1)).as("min IP").isEqualTo(FLOATING);
    assertThat(be32(nat, 2)).as("max IP").isEqualTo(FLOATING);
    ByteBuffer ports = ConntrackMessages.attribute(nat, ConntrackMessages.CTA_NAT_PROTO);
    assertThat(be16(ports, 1)).as("min port").isEqualTo(40001);
    assertThat(be16(ports, 2)).as("max port").isEqualTo(40001);
    assertThat(be32(attrs, ConntrackMessages.CTA_STATUS))
        .as("SEEN_REPLY and ASSURED of the primary's entry, and CONFIRMED (else EBUSY)")
        .isEqualTo(0xe);
    assertThat(be32(attrs, ConntrackMessages.CTA_MARK)).isEqualTo(0xd2000);
    ByteBuffer tcp =
        ConntrackMessages.attribute(
            ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_PROTOINFO),
            ConntrackMessages.CTA_PROTOINFO_TCP);
    assertThat(tcp.get(4)).as("ESTABLISHED").isEqualTo((byte) 3);
    ByteBuffer flags =
        ConntrackMessages.attribute(tcp, ConntrackMessages.CTA_PROTOINFO_TCP_FLAGS_ORIGINAL);
    assertThat(flags.get(0)).as("be liberal").isEqualTo((byte) 0x08);
    assertThat(flags.get(1)).as("mask").isEqualTo((byte) 0x08);
  }

  @Test
  void anUpdateChangesNeitherTheNatNorTheMarkOfAnExistingEntry() {
    ByteBuffer msg =
        ByteBuffer.wrap(ConntrackMessages.newEntryRequest(9, ESTABLISHED, false))
            .order(ByteOrder.nativeOrder());
    ByteBuffer attrs = NetlinkMessages.after(NetlinkMessages.after(msg, 16), 4);

    assertThat(msg.getShort(6)).as("REQUEST|ACK, no CREATE").isEqualTo((short) 0x0005);
    assertThat(ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_NAT_SRC)).isNull();
    assertThat(ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_MARK)).isNull();
    assertThat(be32(attrs, ConntrackMessages.CTA_STATUS))
        .as("SEEN_REPLY, ASSURED and CONFIRMED: bits an update can only set, never clear")
        .isEqualTo(0xe);
    assertThat(ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_TUPLE_ORIG)).isNotNull();
  }

  @Test
  void beLiberalChangesOnlyTheTcpFlagsOfTheEntryWithThatTuple() {
    ByteBuffer msg =
        ByteBuffer.wrap(ConntrackMessages.beLiberalRequest(9, ESTABLISHED))
            .order(ByteOrder.nativeOrder());
    ByteBuffer attrs = NetlinkMessages.after(NetlinkMessages.after(msg, 16), 4);

    assertThat(msg.getShort(6)).as("REQUEST|ACK, no CREATE").isEqualTo((short) 0x0005);
    assertThat(ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_TUPLE_ORIG)).isNotNull();
    for (int none :
        new int[] {
          ConntrackMessages.CTA_NAT_SRC,
          ConntrackMessages.CTA_MARK,
          ConntrackMessages.CTA_STATUS,
          ConntrackMessages.CTA_TIMEOUT,
          ConntrackMessages.CTA_TUPLE_REPLY
        }) {
      assertThat(ConntrackMessages.attribute(attrs, none)).as("attribute %d", none).isNull();
    }
    ByteBuffer tcp =
        ConntrackMessages.attribute(
            ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_PROTOINFO),
            ConntrackMessages.CTA_PROTOINFO_TCP);
    assertThat(ConntrackMessages.attribute(tcp, ConntrackMessages.CTA_PROTOINFO_TCP_STATE))
        .as("the state stays the kernel's")
        .isNull();
    for (int dir :
        new int[] {
          ConntrackMessages.CTA_PROTOINFO_TCP_FLAGS_ORIGINAL,
          ConntrackMessages.CTA_PROTOINFO_TCP_FLAGS_REPLY
        }) {
      ByteBuffer flags = ConntrackMessages.attribute(tcp, dir);
      assertThat(flags.get(0)).as("be liberal").isEqualTo((byte) 0x08);
      assertThat(flags.get(1)).as("mask: no other flag changes").isEqualTo((byte) 0x08);
    }
  }

  @Test
  void anUpdateOfAFlowNotYetAnsweredCarriesNoStatus() {
    ConntrackEntry unanswered =
        new ConntrackEntry(
            ESTABLISHED.protocol(),
            ESTABLISHED.source(),
            ESTABLISHED.destination(),
            ESTABLISHED.sourcePort(),
            ESTABLISHED.destinationPort(),
            ESTABLISHED.natAddress(),
            ESTABLISHED.natPort(),
            0x188, // CONFIRMED and the NAT bits, no SEEN_REPLY or ASSURED
            ESTABLISHED.timeoutSeconds(),
            ESTABLISHED.mark(),
            1,
            7,
            7);
    ByteBuffer msg =
        ByteBuffer.wrap(ConntrackMessages.newEntryRequest(9, unanswered, false))
            .order(ByteOrder.nativeOrder());
    ByteBuffer attrs = NetlinkMessages.after(NetlinkMessages.after(msg, 16), 4);

    assertThat(ConntrackMessages.attribute(attrs, ConntrackMessages.CTA_STATUS))
        .as("no status: the kernel answers EBUSY to one that would clear a bit the entry has")
        .isNull();
  }

  @Test
  void aCreateForAKernelThatRefusedConfirmedLeavesItOut() {
    ByteBuffer msg =
        ByteBuffer.wrap(ConntrackMessages.newEntryRequest(9, ESTABLISHED, true, false))
            .order(ByteOrder.nativeOrder());
    ByteBuffer attrs = NetlinkMessages.after(NetlinkMessages.after(msg, 16), 4);

    assertThat(be32(attrs, ConntrackMessages.CTA_STATUS)).isEqualTo(0x6);
  }

  static byte[] tuple(int type, String src, String dst, int sport, int dport) {
    return nested(
        type,
        concat(
            nested(1, concat(ipAttr(1, src), ipAttr(2, dst))),
            nested(2, concat(u8Attr(1, 6), be16Attr(2, sport), be16Attr(3, dport)))));
  }

  static byte[] u8Attr(int type, int value) {
    return attr(type, new byte[] {(byte) value});
  }

  static byte[] be16Attr(int type, int value) {
    return attr(type, ByteBuffer.allocate(2).putShort((short) value).array());
  }

  static int be32(ByteBuffer attrs, int type) {
    return ConntrackMessages.attribute(attrs, type).order(ByteOrder.BIG_ENDIAN).getInt(0);
  }

  static int be16(ByteBuffer attrs, int type) {
    return ConntrackMessages.attribute(attrs, type).order(ByteOrder.BIG_ENDIAN).getShort(0)
        & 0xffff;
  }

  static ConntrackEvents.Listener listener(List<ConntrackEntry> entries) {
    return new ConntrackEvents.Listener() {
      @Override
      public void changed(ConntrackEntry entry, boolean isNew) {
        entries.add(entry);
      }

      @Override
      public void destroyed(ConntrackEntry entry) {}

      @Override
      public void lost() {}
    };
  }
}

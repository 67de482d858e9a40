package io.egressgw.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressgw.net.Ipv4;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * ctnetlink layouts without a kernel: the dump requests the agent sends, and how it reads entries
 * and per-CPU statistics out of answers built byte by byte as the kernel writes them.
 */
class ConntrackMessagesTest {
  static final int NESTED = 0x8000;
  static final int FLOATING = Ipv4.parseOrThrow("10.77.0.100");
  static final int OTHER_FLOATING = Ipv4.parseOrThrow("10.77.0.101");

  @Test
  void theEntryDumpIsACtnetlinkGetWithTheDumpFlagForIpv4() {
    ByteBuffer b =
        ByteBuffer.wrap(ConntrackMessages.dumpEntriesRequest(42)).order(ByteOrder.nativeOrder());

    assertThat(b.getInt(0)).as("nlmsg_len").isEqualTo(20);
    assertThat(b.getShort(4)).as("CTNETLINK << 8 | IPCTNL_MSG_CT_GET").isEqualTo((short) 0x0101);
    assertThat(b.getShort(6)).as("NLM_F_REQUEST | NLM_F_DUMP").isEqualTo((short) 0x0301);
    assertThat(b.getInt(8)).as("seq").isEqualTo(42);
    assertThat(b.get(16)).as("AF_INET").isEqualTo((byte) 2);
  }

  @Test
  void theStatisticsDumpAsksForPerCpuCounters() {
    ByteBuffer b =
        ByteBuffer.wrap(ConntrackMessages.dumpCpuStatsRequest(1)).order(ByteOrder.nativeOrder());

    assertThat(b.getShort(4)).as("IPCTNL_MSG_CT_GET_STATS_CPU").isEqualTo((short) 0x0104);
    assertThat(b.get(16)).as("AF_UNSPEC").isEqualTo((byte) 0);
  }

  @Test
  void entriesOfOneFlowClassAreDeletedByAFlushFilteredOnTheirMark() {
    int mark = FlowClass.ctMark(FlowClass.FORWARDED, 7);
    ByteBuffer b =
        ByteBuffer.wrap(ConntrackMessages.deleteByMarkRequest(3, mark, FlowClass.CLASS_AND_ID_MASK))
            .order(ByteOrder.nativeOrder());

    assertThat(b.getInt(0)).as("nlmsg_len").isEqualTo(36);
    assertThat(b.getShort(4)).as("CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE").isEqualTo((short) 0x0102);
    assertThat(b.getShort(6)).as("NLM_F_REQUEST | NLM_F_ACK, no dump").isEqualTo((short) 0x0005);
    assertThat(b.getShort(20)).as("CTA_MARK length").isEqualTo((short) 8);
    assertThat(b.getShort(22)).as("CTA_MARK").isEqualTo((short) 8);
    assertThat(b.order(ByteOrder.BIG_ENDIAN).getInt(24)).as("mark").isEqualTo(0x00071000);
    assertThat(b.order(ByteOrder.nativeOrder()).getShort(30))
        .as("CTA_MARK_MASK")
        .isEqualTo((short) 21);
    assertThat(b.order(ByteOrder.BIG_ENDIAN).getInt(32)).as("mask").isEqualTo(0xffff3000);
  }

  @Test
  void theCountingDumpCarriesTheSameMarkFilter() {
    ByteBuffer b =
        ByteBuffer.wrap(ConntrackMessages.dumpByMarkRequest(3, 0x00072000, 0xffff3000))
            .order(ByteOrder.nativeOrder());

    assertThat(b.getShort(6)).as("NLM_F_REQUEST | NLM_F_DUMP").isEqualTo((short) 0x0301);
    assertThat(b.order(ByteOrder.BIG_ENDIAN).getInt(24)).isEqualTo(0x00072000);
  }

  @Test
  void entriesAreCountedByTheDestinationOfTheirReplyTuple() {
    byte[] datagram =
        concat(
            entry("10.244.1.2", "203.0.113.10", "203.0.113.10", "10.77.0.100"),
            entry("10.244.2.2", "203.0.113.10", "203.0.113.10", "10.77.0.100"),
            // a connection to the floating IP itself: its reply goes to the client, not counted
            entry("198.51.100.7", "10.77.0.100", "10.77.0.100", "198.51.100.7"),
            // SNATed to an address this node does not hold
            entry("10.244.1.3", "203.0.113.10", "203.0.113.10", "10.77.0.1"),
            done());
    Map<Integer, Long> counts = new TreeMap<>(Map.of(FLOATING, 0L, OTHER_FLOATING, 0L));

    boolean finished =
        ConntrackMessages.walk(
            datagram,
            datagram.length,
            "dump",
            (type, attrs) ->
                ConntrackMessages.countReplyDestination(
                    attrs, Set.of(FLOATING, OTHER_FLOATING), counts));

    assertThat(finished).as("NLMSG_DONE ends the dump").isTrue();
    assertThat(counts).containsEntry(FLOATING, 2L).containsEntry(OTHER_FLOATING, 0L).hasSize(2);
  }

  @Test
  void aDatagramWithoutDoneLeavesTheDumpOpen() {
    byte[] datagram = entry("10.244.1.2", "203.0.113.10", "203.0.113.10", "10.77.0.100");
    List<Integer> types = new ArrayList<>();

    boolean finished =
        ConntrackMessages.walk(datagram, datagram.length, "dump", (t, a) -> types.add(t));

    assertThat(finished).isFalse();
    assertThat(types).containsExactly(0 /* IPCTNL_MSG_CT_NEW, how the kernel answers a dump */);
  }

  @Test
  void perCpuFailureCountersAreReadInNetworkOrder() {
    byte[] cpu0 = message(0x0104, concat(be32Attr(9, 3), be32Attr(10, 1), be32Attr(11, 7)));
    byte[] cpu1 = message(0x0104, concat(be32Attr(8, 1000), be32Attr(9, 2)));
    byte[] datagram = concat(cpu0, cpu1, done());
    List<ConntrackMessages.Stats> perCpu = new ArrayList<>();

    ConntrackMessages.walk(
        datagram, datagram.length, "stats", (t, a) -> perCpu.add(ConntrackMessages.cpuStats(a)));

    assertThat(perCpu)
        .containsExactly(
            new ConntrackMessages.Stats(3, 1, 7), new ConntrackMessages.Stats(2, 0, 0));
  }

  @Test
  void aKernelErrorBecomesADataplaneExceptionWithItsErrno() {
    ByteBuffer err = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
    err.putInt(36).putShort((short) 2).putShort((short) 0).putInt(1).putInt(0);
    err.putInt(-1); // -EPERM, followed by the offending request's header
    byte[] datagram = err.array();

    assertThatThrownBy(
            () -> ConntrackMessages.walk(datagram, datagram.length, "conntrack dump", (t, a) -> {}))
        .isInstanceOf(DataplaneException.class)
        .hasMessageContaining("conntrack dump")
        .hasMessageContaining("EPERM");
  }

  /** One IPCTNL_MSG_CT_NEW message as a dump returns it, with original and reply tuples. */
  static byte[] entry(String origSrc, String origDst, String replySrc, String replyDst) {
    byte[] orig = nested(1, nested(1, concat(ipAttr(1, origSrc), ipAttr(2, origDst))));
    byte[] reply = nested(2, nested(1, concat(ipAttr(1, replySrc), ipAttr(2, replyDst))));
    byte[] status = be32Attr(3, 0x18e);
    return message(0x0100, concat(orig, reply, status));
  }

  static byte[] message(int type, byte[] attributes) {
    ByteBuffer b = ByteBuffer.allocate(20 + attributes.length).order(ByteOrder.nativeOrder());
    b.putInt(20 + attributes.length).putShort((short) type).putShort((short) 0x2);
    b.putInt(1).putInt(4242);
    b.put((byte) 2).put((byte) 0).putShort((short) 0);
    b.put(attributes);
    return b.array();
  }

  static byte[] done() {
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    b.putInt(20).putShort((short) 3).putShort((short) 0x2).putInt(1).putInt(4242).putInt(0);
    return b.array();
  }

  static byte[] nested(int type, byte[] payload) {
    return attr(type | NESTED, payload);
  }

  static byte[] ipAttr(int type, String ip) {
    return attr(type, ByteBuffer.allocate(4).putInt(Ipv4.parseOrThrow(ip)).array());
  }

  static byte[] be32Attr(int type, int value) {
    return attr(type, ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(value).array());
  }

  static byte[] attr(int type, byte[] payload) {
    int len = 4 + payload.length;
    ByteBuffer b = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
    b.putShort((short) len).putShort((short) type).put(payload);
    return b.array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}

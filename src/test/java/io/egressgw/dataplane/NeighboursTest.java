package io.egressgw.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.net.Ipv4;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Neighbour messages without a kernel: the re-probe request and reading an entry's age. */
class NeighboursTest {
  @Test
  void aReprobeReplacesTheEntrysStateWithProbeAndNamesTheAddress() {
    byte[] req =
        Neighbours.request(
            Neighbours.RTM_NEWNEIGH,
            0x105,
            3,
            Ipv4.parseOrThrow("10.77.0.2"),
            Neighbours.NUD_PROBE);
    ByteBuffer b = ByteBuffer.wrap(req).order(ByteOrder.nativeOrder());

    assertThat(b.getInt(0)).as("nlmsg_len").isEqualTo(req.length).isEqualTo(36);
    assertThat(b.getShort(4)).as("RTM_NEWNEIGH").isEqualTo((short) 28);
    assertThat(b.getShort(6)).as("REQUEST | ACK | REPLACE").isEqualTo((short) 0x105);
    assertThat(b.get(16)).as("AF_INET").isEqualTo((byte) 2);
    assertThat(b.getInt(20)).as("ifindex").isEqualTo(3);
    assertThat(b.getShort(24)).as("NUD_PROBE").isEqualTo((short) 0x10);
    assertThat(b.getShort(30)).as("NDA_DST").isEqualTo((short) 1);
    assertThat(b.order(ByteOrder.BIG_ENDIAN).getInt(32))
        .as("network order")
        .isEqualTo(Ipv4.parseOrThrow("10.77.0.2"));
  }

  @Test
  void anEntryCarriesItsStateAndTheAgeOfItsLastConfirmationInMilliseconds() {
    ByteBuffer p = ByteBuffer.allocate(12 + 20).order(ByteOrder.nativeOrder());
    p.put((byte) 2).put((byte) 0).putShort((short) 0).putInt(3);
    p.putShort((short) Neighbours.NUD_STALE).put((byte) 0).put((byte) 1);
    p.putShort((short) 20).putShort((short) Neighbours.NDA_CACHEINFO);
    p.putInt(4250).putInt(0).putInt(100).putInt(1); // confirmed 42.5 s ago (USER_HZ 100)
    p.flip();

    Neighbours.Entry e = Neighbours.entry(p);

    assertThat(e).isEqualTo(new Neighbours.Entry(Neighbours.NUD_STALE, 42_500));
  }
}

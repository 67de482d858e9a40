package io.egressgw.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.egressgw.dataplane.ConntrackEntry;
import io.egressgw.dataplane.ReplicationBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Replication batches fit the agent channel's 64 KiB body limit and survive the relay. */
class ReplicationWireTest {
  static final int FLOATING = 0x0a4d0064;

  static ConntrackEntry entry(int port) {
    return new ConntrackEntry(
        6, 0x0a0a0102, 0xcb007101, port, 80, FLOATING, port, 0xe, 100, 1, 3, 7, 7);
  }

  @Test
  void aFullBatchIsSplitUnderTheBodyLimitKeepingItsDumpFlagsAtBothEnds() {
    List<ConntrackEntry> entries = new ArrayList<>();
    for (int p = 0; p < ConntrackReplication.BATCH_MAX; p++) {
      entries.add(entry(10_000 + p));
    }
    ReplicationBatch dump = new ReplicationBatch(FLOATING, entries, List.of(), 42, true, true);

    List<byte[]> bodies = ReplicationWire.encode(dump, ReplicationWire.MAX_BYTES);

    assertTrue(bodies.size() > 1, "512 entries do not fit one body");
    List<ReplicationBatch> pieces = new ArrayList<>();
    for (byte[] b : bodies) {
      assertTrue(b.length <= ReplicationWire.MAX_BYTES, "body of " + b.length + " bytes");
      byte[] array = new byte[b.length + 2];
      array[0] = '[';
      System.arraycopy(b, 0, array, 1, b.length);
      array[array.length - 1] = ']';
      pieces.addAll(ReplicationWire.decode(array));
    }
    assertTrue(pieces.get(0).dumpStart());
    assertFalse(pieces.get(0).dumpEnd());
    assertTrue(pieces.get(pieces.size() - 1).dumpEnd());
    assertEquals(1, pieces.stream().filter(ReplicationBatch::dumpStart).count());
    assertEquals(1, pieces.stream().filter(ReplicationBatch::dumpEnd).count());
    assertEquals(entries, pieces.stream().flatMap(p -> p.upserts().stream()).toList());
  }
}

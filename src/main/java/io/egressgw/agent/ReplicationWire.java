package io.egressgw.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.dataplane.ConntrackEntry;
import io.egressgw.dataplane.ReplicationBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Replication batches as the agent channel carries them: each posted batch is one JSON object
 * within the channel's 64 KiB body limit (a larger batch is split, its dump flags kept on the first
 * and last piece), and the relay answers a standby's poll with a JSON array of them.
 */
public final class ReplicationWire {
  private ReplicationWire() {}

  /** Room for the HTTP body under the channel's 64 KiB limit. */
  public static final int MAX_BYTES = 60 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The batch as JSON bodies of at most maxBytes each, in order. */
  public static List<byte[]> encode(ReplicationBatch batch, int maxBytes) {
    byte[] whole = write(batch);
    if (whole.length <= maxBytes || batch.size() <= 1) {
      return List.of(whole);
    }
    int u = batch.upserts().size() / 2;
    int d = batch.deletes().size() / 2;
    if (u == 0 && d == 0) {
      u = batch.upserts().size();
    }
    List<ConntrackEntry> ups = batch.upserts();
    List<ConntrackEntry.Key> dels = batch.deletes();
    ReplicationBatch first =
        new ReplicationBatch(
            batch.floatingIp(),
            List.copyOf(ups.subList(0, u)),
            List.copyOf(dels.subList(0, d)),
            batch.sentAtMillis(),
            batch.dumpStart(),
            false);
    ReplicationBatch second =
        new ReplicationBatch(
            batch.floatingIp(),
            List.copyOf(ups.subList(u, ups.size())),
            List.copyOf(dels.subList(d, dels.size())),
            batch.sentAtMillis(),
            false,
            batch.dumpEnd());
    List<byte[]> out = new ArrayList<>(encode(first, maxBytes));
    out.addAll(encode(second, maxBytes));
    return out;
  }

  /** The batches of a relay's answer (a JSON array). */
  public static List<ReplicationBatch> decode(byte[] array) {
    try {
      return List.of(JSON.readValue(array, ReplicationBatch[].class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] write(ReplicationBatch batch) {
    try {
      return JSON.writeValueAsBytes(batch);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

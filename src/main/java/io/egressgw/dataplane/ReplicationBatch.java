package io.egressgw.dataplane;

import java.util.List;

/**
 * Conntrack entries of one floating IP that its primary sends its standby: entries new or changed
 * since the last batch, and the original tuples of entries that went.
 *
 * @param floatingIp the floating IP every entry is SNATed to (as {@link io.egressgw.net.Ipv4} holds
 *     it)
 * @param upserts entries to create or update on the standby
 * @param deletes original tuples of entries that went on the primary
 * @param sentAtMillis wall-clock time the primary sent the batch (lag = installed - this; only
 *     meaningful between hosts whose clocks agree)
 * @param dumpStart the first batch of a full dump of the IP's entries: the standby forgets what it
 *     held for the IP (entries missing from the dump went while no delta reached it)
 * @param dumpEnd the last batch of a full dump: the standby now holds the IP's whole state
 */
public record ReplicationBatch(
    int floatingIp,
    List<ConntrackEntry> upserts,
    List<ConntrackEntry.Key> deletes,
    long sentAtMillis,
    boolean dumpStart,
    boolean dumpEnd) {

  public ReplicationBatch {
    upserts = upserts == null ? List.of() : upserts;
    deletes = deletes == null ? List.of() : deletes;
  }

  /** A batch of changes (not part of a dump). */
  public ReplicationBatch(
      int floatingIp,
      List<ConntrackEntry> upserts,
      List<ConntrackEntry.Key> deletes,
      long sentAtMillis) {
    this(floatingIp, upserts, deletes, sentAtMillis, false, false);
  }

  /** Entries and deletes carried. */
  public int size() {
    return upserts.size() + deletes.size();
  }
}

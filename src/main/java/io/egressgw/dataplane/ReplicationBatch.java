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
 */
public record ReplicationBatch(
    int floatingIp,
    List<ConntrackEntry> upserts,
    List<ConntrackEntry.Key> deletes,
    long sentAtMillis) {}

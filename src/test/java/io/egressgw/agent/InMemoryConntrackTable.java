package io.egressgw.agent;

import io.egressgw.dataplane.ConntrackEntry;
import io.egressgw.dataplane.DataplaneException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A conntrack table in memory, for tests of replication without a kernel (and without touching the
 * conntrack table of the namespace the tests run in): entries by original tuple, each either
 * replicated (installed through the table) or this node's own (put by the test).
 */
final class InMemoryConntrackTable implements ConntrackTable {
  final Map<ConntrackEntry.Key, ConntrackEntry> entries = new LinkedHashMap<>();
  final Map<ConntrackEntry.Key, Boolean> own = new LinkedHashMap<>();
  final List<String> calls = new ArrayList<>();

  /** The size of each {@link #createAll} call, in order. */
  final List<Integer> createAllSizes = new ArrayList<>();

  int dumps;
  boolean failing;

  /** This node's own entry of a flow (e.g. a local pod's flow it forwards). */
  void putOwn(ConntrackEntry e) {
    entries.put(e.key(), e);
    own.put(e.key(), true);
  }

  boolean isOwn(ConntrackEntry.Key key) {
    return own.getOrDefault(key, false);
  }

  @Override
  public synchronized List<ConntrackEntry> snatedTo(Set<Integer> addresses) {
    dumps++;
    return entries.values().stream().filter(e -> addresses.contains(e.natAddress())).toList();
  }

  @Override
  public synchronized boolean install(ConntrackEntry entry) {
    calls.add("install " + entry.sourcePort());
    if (failing) {
      throw new DataplaneException("conntrack create failed: errno 16 (EBUSY)");
    }
    // an existing entry is updated in place: it keeps its NAT binding (and so stays own)
    ConntrackEntry before = entries.putIfAbsent(entry.key(), entry);
    if (before != null && !isOwn(entry.key())) {
      entries.put(entry.key(), entry);
    }
    return before == null;
  }

  @Override
  public synchronized boolean create(ConntrackEntry entry) {
    calls.add("create " + entry.sourcePort());
    if (failing) {
      throw new DataplaneException("conntrack create failed: errno 16 (EBUSY)");
    }
    return entries.putIfAbsent(entry.key(), entry) == null;
  }

  @Override
  public synchronized List<Boolean> createAll(List<ConntrackEntry> batch, List<String> failures) {
    createAllSizes.add(batch.size());
    return ConntrackTable.super.createAll(batch, failures);
  }

  @Override
  public synchronized boolean replace(ConntrackEntry entry) {
    calls.add("replace " + entry.sourcePort());
    entries.put(entry.key(), entry);
    own.remove(entry.key());
    return true;
  }

  @Override
  public synchronized void delete(ConntrackEntry entry) {
    calls.add("delete " + entry.sourcePort());
    if (entries.remove(entry.key()) == null) {
      throw new DataplaneException("conntrack delete failed: errno 2 (ENOENT)");
    }
    own.remove(entry.key());
  }
}

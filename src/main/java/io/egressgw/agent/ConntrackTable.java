package io.egressgw.agent;

import io.egressgw.dataplane.Conntrack;
import io.egressgw.dataplane.ConntrackEntry;
import java.util.List;
import java.util.Set;

/**
 * The node's conntrack table as {@link ConntrackReplication} uses it: the kernel's through
 * ctnetlink ({@link #kernel()}), or an in-memory one in tests. Every method may throw {@link
 * io.egressgw.dataplane.DataplaneException}.
 */
interface ConntrackTable {
  /** The entries SNATed to the given addresses (a full dump). */
  List<ConntrackEntry> snatedTo(Set<Integer> addresses);

  /** Creates entry, or updates the entry with its original tuple: true when created. */
  boolean install(ConntrackEntry entry);

  /** Creates entry: false when an entry with its original tuple exists (it is left alone). */
  boolean create(ConntrackEntry entry);

  /**
   * Creates entries as {@link #create} does, in order: TRUE created, FALSE existed, null failed
   * (its message added to failures).
   */
  default List<Boolean> createAll(List<ConntrackEntry> entries, List<String> failures) {
    List<Boolean> out = new java.util.ArrayList<>(entries.size());
    for (ConntrackEntry e : entries) {
      try {
        out.add(create(e));
      } catch (io.egressgw.dataplane.DataplaneException ex) {
        failures.add(ex.getMessage());
        out.add(null);
      }
    }
    return out;
  }

  /**
   * Creates entry in place of the entry with its original tuple (this node's own forwarded flow):
   * false when the tuple stayed taken.
   */
  boolean replace(ConntrackEntry entry);

  /** Deletes the entry with entry's original tuple. */
  void delete(ConntrackEntry entry);

  /** The kernel's table of the agent's network namespace. */
  static ConntrackTable kernel() {
    return new ConntrackTable() {
      @Override
      public List<ConntrackEntry> snatedTo(Set<Integer> addresses) {
        return Conntrack.snatedTo(addresses);
      }

      @Override
      public boolean install(ConntrackEntry entry) {
        return Conntrack.install(entry);
      }

      @Override
      public boolean create(ConntrackEntry entry) {
        return Conntrack.create(entry);
      }

      @Override
      public List<Boolean> createAll(List<ConntrackEntry> entries, List<String> failures) {
        return Conntrack.createAll(entries, failures);
      }

      @Override
      public boolean replace(ConntrackEntry entry) {
        return Conntrack.replace(entry);
      }

      @Override
      public void delete(ConntrackEntry entry) {
        Conntrack.delete(entry);
      }
    };
  }
}

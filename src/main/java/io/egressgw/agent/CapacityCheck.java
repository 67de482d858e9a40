package io.egressgw.agent;

import io.egressgw.dataplane.DataplaneObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a desired dataplane fits this node's maps, decided before anything is written (pure), so
 * that an apply over capacity changes nothing instead of stopping half way at the first full map.
 */
final class CapacityCheck {
  private CapacityCheck() {}

  /** One map the desired state does not fit: the entries it needs and the map's capacity. */
  record Excess(String map, long needed, long capacity) {
    @Override
    public String toString() {
      return map + " " + needed + " > " + capacity;
    }
  }

  /** The maps desired does not fit; empty when it fits. */
  static List<Excess> excesses(DataplaneState desired, DataplaneObject.Capacities capacities) {
    List<Excess> out = new ArrayList<>();
    check(out, "sources", desired.sources().size(), capacities.sources());
    check(out, "routes", desired.routes().size(), capacities.routes());
    check(out, "egresses", desired.egresses().size(), capacities.egresses());
    check(out, "guard", desired.guard().size(), capacities.guard());
    check(out, "excluded", desired.excluded().size(), capacities.excluded());
    // egw_counters is an array indexed by egress id, sized as egw_egresses
    long maxId = desired.egresses().keySet().stream().mapToLong(Integer::longValue).max().orElse(0);
    if (maxId >= capacities.egresses()) {
      out.add(new Excess("egress id", maxId, capacities.egresses() - 1L));
    }
    return out;
  }

  /**
   * The maps installed does not fit once diff is written (sizes counted from the diff, not from a
   * whole desired state); empty when it fits.
   */
  static List<Excess> excesses(
      DataplaneState installed, DataplaneState.Diff diff, DataplaneObject.Capacities capacities) {
    List<Excess> out = new ArrayList<>();
    check(out, "sources", after(installed.sources().size(), diff.sources()), capacities.sources());
    check(out, "routes", after(installed.routes().size(), diff.routes()), capacities.routes());
    check(
        out,
        "egresses",
        after(installed.egresses().size(), diff.egresses()),
        capacities.egresses());
    check(out, "guard", after(installed.guard().size(), diff.guard()), capacities.guard());
    check(
        out,
        "excluded",
        after(installed.excluded().size(), diff.excluded()),
        capacities.excluded());
    long maxId = 0;
    for (Integer id : installed.egresses().keySet()) {
      if (!diff.egresses().deletes().contains(id)) {
        maxId = Math.max(maxId, id);
      }
    }
    for (Integer id : diff.egresses().upserts().keySet()) {
      maxId = Math.max(maxId, id);
    }
    if (maxId >= capacities.egresses()) {
      out.add(new Excess("egress id", maxId, capacities.egresses() - 1L));
    }
    return out;
  }

  /** Entries of a map of {@code installed} entries once diff is written. */
  private static long after(int installed, DataplaneState.MapDiff<?, ?> diff) {
    return (long) installed + diff.upserts().size() - diff.changed().size() - diff.deletes().size();
  }

  /**
   * Whether writing a map's new entries before deleting its old ones (the safe order) would
   * overflow it for a moment although the desired state fits: then that map's deletes go first.
   */
  static boolean deletesFirst(int installed, DataplaneState.MapDiff<?, ?> diff, int capacity) {
    long added = (long) diff.upserts().size() - diff.changed().size();
    return installed + added > capacity;
  }

  private static void check(List<Excess> out, String map, long needed, long capacity) {
    if (needed > capacity) {
      out.add(new Excess(map, needed, capacity));
    }
  }
}

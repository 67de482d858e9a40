package io.egressgw.policy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Egress ids, which packet marks carry (so 1..65535): a policy keeps its id while it exists. A new
 * policy gets the id it was seeded with (the previous controller's, read back from the policies'
 * status) when that id is valid and still free, so ids survive controller restarts; otherwise the
 * lowest free id.
 */
final class EgressIdAllocator {
  static final int MAX_EGRESS_ID = 65535;

  private final Map<String, Integer> seed;
  private final BitSet used = new BitSet();

  EgressIdAllocator(Map<String, Integer> seed) {
    this.seed = new HashMap<>(seed);
  }

  /** The seeded id if any, else the lowest free id. */
  int allocate(String policy) {
    int id = claimSeeded(policy);
    return id != 0 ? id : allocateLowest();
  }

  /**
   * The full compile: ids for {@code policies} (in this order): seeded ones first, so that no new
   * policy takes a seeded id, then the others the lowest free ids in order.
   */
  Map<String, Integer> allocateAll(Collection<String> policies) {
    Map<String, Integer> ids = new HashMap<>();
    List<String> unseeded = new ArrayList<>();
    for (String policy : policies) {
      int id = claimSeeded(policy);
      if (id != 0) {
        ids.put(policy, id);
      } else {
        unseeded.add(policy);
      }
    }
    for (String policy : unseeded) {
      ids.put(policy, allocateLowest());
    }
    return ids;
  }

  /** Takes the id {@code policy} was seeded with when it is valid and free; 0 otherwise. */
  private int claimSeeded(String policy) {
    Integer id = seed.get(policy);
    if (id == null || id < 1 || id > MAX_EGRESS_ID || used.get(id)) {
      return 0;
    }
    used.set(id);
    return id;
  }

  /** Takes the lowest free id. */
  private int allocateLowest() {
    int id = used.nextClearBit(1);
    if (id > MAX_EGRESS_ID) {
      throw new IllegalStateException("more than " + MAX_EGRESS_ID + " policies");
    }
    used.set(id);
    return id;
  }

  /** The policy holding {@code id} is gone. */
  void release(int id) {
    used.clear(id);
  }
}

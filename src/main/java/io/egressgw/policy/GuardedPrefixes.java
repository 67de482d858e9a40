package io.egressgw.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The guarded prefixes every program carries ({@link io.egressgw.program.NodeProgram
 * #guardedPrefixes}): every policy's valid destination prefixes, applied or not. A node's dataplane
 * drops traffic to them from pods it does not know yet, so a pod whose node is programmed late
 * cannot leave with the node's address. Claims are counted per policy, so a prefix stays guarded
 * while any policy names it.
 */
final class GuardedPrefixes {
  private final Map<Cidr, Integer> claims = new HashMap<>();
  private List<String> current = List.of();
  private boolean dirty;

  /** One policy's prefixes are now claimed. */
  void claim(Cidr[] prefixes) {
    for (Cidr prefix : prefixes) {
      claims.merge(prefix, 1, Integer::sum);
      dirty = true;
    }
  }

  /** One policy no longer claims these prefixes (its previous {@link #claim}). */
  void release(Cidr[] prefixes) {
    for (Cidr prefix : prefixes) {
      claims.merge(prefix, -1, (a, b) -> a + b == 0 ? null : a + b);
      dirty = true;
    }
  }

  /** Recomputes the list after claims changed; true when it differs (every program changes). */
  boolean refresh() {
    if (!dirty) {
      return false;
    }
    dirty = false;
    Cidr[] sorted = claims.keySet().toArray(new Cidr[0]);
    Arrays.sort(sorted, Cidr.ORDER);
    List<String> now = new ArrayList<>(sorted.length);
    for (Cidr prefix : sorted) {
      now.add(prefix.toString());
    }
    if (now.equals(current)) {
      return false;
    }
    current = List.copyOf(now);
    return true;
  }

  /** The guarded prefixes in {@link Cidr#ORDER}, as of the last {@link #refresh}. */
  List<String> current() {
    return current;
  }
}

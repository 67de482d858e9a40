package io.egressgw.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The excluded prefixes every program carries ({@link io.egressgw.program.NodeProgram
 * #excludedPrefixes}): in-cluster destinations (pod and service CIDRs, node addresses) and the
 * operator's excluded CIDRs. A policy to 0.0.0.0/0 means "everything outside the cluster"; without
 * them pod-to-pod traffic would be steered to a gateway and leave with a floating IP. The set is
 * given whole by the caller (it is small: one pod CIDR and an address or two per node).
 */
final class ExcludedPrefixes {
  private List<String> current = List.of();
  private List<String> pending;

  /** The excluded prefixes are now {@code cidrs} (invalid ones are ignored). */
  void set(Collection<String> cidrs) {
    pending = canonical(cidrs);
  }

  /** Applies the last {@link #set}; true when the list differs (every program changes). */
  boolean refresh() {
    List<String> now = pending;
    pending = null;
    if (now == null || now.equals(current)) {
      return false;
    }
    current = now;
    return true;
  }

  /** The excluded prefixes in {@link Cidr#ORDER}, as of the last {@link #refresh}. */
  List<String> current() {
    return current;
  }

  /** Valid prefixes, host bits cleared, deduplicated, in {@link Cidr#ORDER}. */
  static List<String> canonical(Collection<String> cidrs) {
    TreeSet<Cidr> sorted = new TreeSet<>(Cidr.ORDER);
    for (String text : cidrs) {
      Cidr c = text == null ? null : Cidr.parse(text);
      if (c != null) {
        sorted.add(c);
      }
    }
    List<String> out = new ArrayList<>(sorted.size());
    sorted.forEach(c -> out.add(c.toString()));
    return List.copyOf(out);
  }
}

package io.egressgw.policy;

import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One distinct set of policies selecting some pod: its id in programs (shared by every node, see
 * {@link RuleSets}), how many pods have it, and its routes, built once on demand because a big
 * gateway shows the same few rule sets for thousands of pods.
 */
final class RuleSet {
  final int id;
  final Key key;
  final PolicyState[] policies; // sorted by name
  int refs; // pods with this set
  private List<Route> routes; // null: build on demand

  RuleSet(int id, Key key, PolicyState[] policies) {
    this.id = id;
    this.key = key;
    this.policies = policies;
  }

  /**
   * Every prefix of its policies with the egress it uses, in {@link Cidr#ORDER}: when policies
   * claim an identical prefix, the one with the smallest name wins.
   */
  List<Route> routes() {
    if (routes == null) {
      Map<Cidr, Integer> winners = new TreeMap<>(Cidr.ORDER);
      for (PolicyState p : policies) { // sorted by name: the first claim wins
        for (Cidr prefix : p.prefixes) {
          winners.putIfAbsent(prefix, p.egressId);
        }
      }
      List<Route> built = new ArrayList<>(winners.size());
      winners.forEach((prefix, egressId) -> built.add(new Route(prefix.toString(), egressId)));
      routes = List.copyOf(built);
    }
    return routes;
  }

  /** A policy's prefixes changed: rebuild the routes when next asked. */
  void forgetRoutes() {
    routes = null;
  }

  /** The egress of the policy in this set with {@code egressId} (a route's target). */
  Egress egressOf(int egressId) {
    for (PolicyState p : policies) {
      if (p.egressId == egressId) {
        return p.egress;
      }
    }
    throw new IllegalArgumentException("egress " + egressId + " is not in rule set " + id);
  }

  /** A set of policies as their sorted egress ids: equal sets, equal keys. */
  static final class Key {
    /** Canonical order of sets, by their sorted ids; the full compile numbers sets in it. */
    static final Comparator<Key> ORDER = (a, b) -> Arrays.compare(a.ids, b.ids);

    final int[] ids;
    final int hash;

    private Key(int[] ids) {
      this.ids = ids;
      this.hash = Arrays.hashCode(ids);
    }

    static Key of(PolicyState[] set) {
      int[] ids = new int[set.length];
      for (int i = 0; i < set.length; i++) {
        ids[i] = set[i].egressId;
      }
      Arrays.sort(ids);
      return new Key(ids);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && hash == k.hash && Arrays.equals(ids, k.ids);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}

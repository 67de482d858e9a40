package io.egressgw.program;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The full desired dataplane state of one node. Applying it is idempotent: the agent diffs it
 * against what is installed and reports {@code generation} once applied; a repeated or lost program
 * is harmless because the next one is again complete.
 *
 * <p>Lookup in the dataplane is two-stage, so that its size grows with pods plus prefixes, never
 * with their product: {@code sources} maps a pod IP to a rule set (the set of policies selecting
 * that pod), and {@code ruleSets} maps (rule set, destination prefix) to an egress (longest prefix
 * wins; the compiler has already resolved equal prefixes).
 *
 * @param node node name
 * @param generation strictly increasing per node; the agent reports the last one it applied
 * @param sources pod IPv4 address -> rule set id. Local pods selected by any policy, and on a
 *     gateway node also the remote pods whose traffic it must SNAT. Every local pod with an address
 *     is listed: an unselected one with rule set 0 (known, not selected; rule set 0 has no routes)
 * @param ruleSets rule set id -> destination routes
 * @param egresses egress id -> where selected traffic leaves and with which address
 * @param floatingIPs floating IPv4 addresses this node must hold (configure and announce); every
 *     other floating IP it holds must be released
 * @param guardedPrefixes the union of every policy's destination prefixes: traffic from a pod
 *     interface to one of them whose source is not in {@code sources} (a pod started before its
 *     node was programmed) is dropped, so that it never leaves with the node's address
 * @param excludedPrefixes in-cluster destinations (pod and service CIDRs, node addresses) and the
 *     operator's excluded CIDRs, sorted: traffic to them is never steered, SNATed or guarded, even
 *     when a policy prefix is more specific
 * @param standbyFor floating IPs this node is the standby of (placement's choice, sorted): its
 *     agent accepts replicated conntrack entries for these and no other, on the controller's signed
 *     word (docs/ARCHITECTURE.md "Conntrack replication"); empty from older controllers
 */
public record NodeProgram(
    String node,
    long generation,
    Map<String, Integer> sources,
    Map<Integer, List<Route>> ruleSets,
    Map<Integer, Egress> egresses,
    List<String> floatingIPs,
    List<String> guardedPrefixes,
    List<String> excludedPrefixes,
    List<String> standbyFor) {

  public NodeProgram {
    sources =
        sources instanceof Adopted<String, Integer>
                || sources instanceof PersistentMap<String, Integer>
            ? sources
            : Map.copyOf(sources);
    ruleSets = Map.copyOf(ruleSets);
    egresses = Map.copyOf(egresses);
    floatingIPs = List.copyOf(floatingIPs);
    guardedPrefixes = guardedPrefixes == null ? List.of() : List.copyOf(guardedPrefixes);
    excludedPrefixes = excludedPrefixes == null ? List.of() : List.copyOf(excludedPrefixes);
    standbyFor = standbyFor == null ? List.of() : List.copyOf(standbyFor);
  }

  /** A program that stands by for no floating IP. */
  public NodeProgram(
      String node,
      long generation,
      Map<String, Integer> sources,
      Map<Integer, List<Route>> ruleSets,
      Map<Integer, Egress> egresses,
      List<String> floatingIPs,
      List<String> guardedPrefixes,
      List<String> excludedPrefixes) {
    this(
        node,
        generation,
        sources,
        ruleSets,
        egresses,
        floatingIPs,
        guardedPrefixes,
        excludedPrefixes,
        List.of());
  }

  /** A program that excludes no destination. */
  public NodeProgram(
      String node,
      long generation,
      Map<String, Integer> sources,
      Map<Integer, List<Route>> ruleSets,
      Map<Integer, Egress> egresses,
      List<String> floatingIPs,
      List<String> guardedPrefixes) {
    this(node, generation, sources, ruleSets, egresses, floatingIPs, guardedPrefixes, List.of());
  }

  /** A program that guards no destination. */
  public NodeProgram(
      String node,
      long generation,
      Map<String, Integer> sources,
      Map<Integer, List<Route>> ruleSets,
      Map<Integer, Egress> egresses,
      List<String> floatingIPs) {
    this(node, generation, sources, ruleSets, egresses, floatingIPs, List.of());
  }

  /**
   * A program that takes ownership of {@code sources}, a map its caller built for it and will never
   * touch again: it is wrapped, not copied. For the compiler, which builds gateway programs of
   * 10,000 sources on every change of one of them; {@code Map.copyOf} would cost three times as
   * much.
   */
  public static NodeProgram adopting(
      String node,
      long generation,
      HashMap<String, Integer> sources,
      Map<Integer, List<Route>> ruleSets,
      Map<Integer, Egress> egresses,
      List<String> floatingIPs,
      List<String> guardedPrefixes,
      List<String> excludedPrefixes) {
    return new NodeProgram(
        node,
        generation,
        new Adopted<>(sources),
        ruleSets,
        egresses,
        floatingIPs,
        guardedPrefixes,
        excludedPrefixes);
  }

  /** An unmodifiable map over a HashMap nobody else holds (see {@link #adopting}). */
  private static final class Adopted<K, V> extends AbstractMap<K, V> {
    private final HashMap<K, V> map;
    private final Set<Map.Entry<K, V>> entries;

    @SuppressWarnings("NonApiType") // a HashMap the caller built for us, adopted without a copy
    Adopted(HashMap<K, V> map) {
      for (Map.Entry<K, V> e : map.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new NullPointerException("null key or value in program sources");
        }
      }
      this.map = map;
      this.entries = Collections.unmodifiableMap(map).entrySet();
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
      return entries;
    }

    @Override
    public int size() {
      return map.size();
    }

    @Override
    public V get(Object key) {
      return map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return map.containsKey(key);
    }

    @Override
    public void forEach(java.util.function.BiConsumer<? super K, ? super V> action) {
      map.forEach(action);
    }
  }

  /**
   * The same program with its sources in a {@link PersistentMap}, so that {@link
   * ProgramDelta#applyTo} it and every program made from it by deltas takes time proportional to
   * the delta. One copy of the sources; the agent makes it when it receives a full program.
   */
  public NodeProgram withPersistentSources() {
    return sources instanceof PersistentMap<String, Integer>
        ? this
        : new NodeProgram(
            node,
            generation,
            PersistentMap.copyOf(sources),
            ruleSets,
            egresses,
            floatingIPs,
            guardedPrefixes,
            excludedPrefixes,
            standbyFor);
  }

  /** A program that steers nothing and holds nothing. */
  public static NodeProgram empty(String node, long generation) {
    return new NodeProgram(node, generation, Map.of(), Map.of(), Map.of(), List.of());
  }

  /** The same desired state under another generation. */
  public NodeProgram withGeneration(long newGeneration) {
    return new NodeProgram(
        node,
        newGeneration,
        sources,
        ruleSets,
        egresses,
        floatingIPs,
        guardedPrefixes,
        excludedPrefixes,
        standbyFor);
  }

  /** The same program standing by for {@code ips} (the controller adds them after compiling). */
  public NodeProgram withStandbyFor(List<String> ips) {
    return new NodeProgram(
        node,
        generation,
        sources,
        ruleSets,
        egresses,
        floatingIPs,
        guardedPrefixes,
        excludedPrefixes,
        ips);
  }

  /** True when both describe the same dataplane state, whatever their generations. */
  public boolean sameStateAs(NodeProgram other) {
    return other != null
        && node.equals(other.node)
        && sources.equals(other.sources)
        && ruleSets.equals(other.ruleSets)
        && egresses.equals(other.egresses)
        && floatingIPs.equals(other.floatingIPs)
        && guardedPrefixes.equals(other.guardedPrefixes)
        && excludedPrefixes.equals(other.excludedPrefixes)
        && standbyFor.equals(other.standbyFor);
  }

  /**
   * One destination of a rule set.
   *
   * @param cidr IPv4 prefix, e.g. 203.0.113.0/24
   * @param egressId the egress selected traffic to this prefix uses
   */
  public record Route(String cidr, int egressId) {}

  /**
   * Where traffic of one policy leaves.
   *
   * @param id 1..65535, stable for the policy while it exists (it is carried in the packet mark)
   * @param policy the EgressNATPolicy name (counters are reported per policy)
   * @param egressIP the floating IP selected traffic is SNATed to
   * @param gatewayNode the node holding egressIP, or null when no node holds it
   * @param gatewayNodeIP that node's address on the shared L2 segment, or null when no node holds
   *     it. With no holder, selected traffic is dropped (fail closed): leaving with the node
   *     address would be refused by the allowlist anyway and would hide the fault
   */
  public record Egress(
      int id, String policy, String egressIP, String gatewayNode, String gatewayNodeIP) {
    public boolean hasGateway() {
      return gatewayNodeIP != null;
    }
  }
}

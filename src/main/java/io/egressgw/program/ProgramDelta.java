package io.egressgw.program;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The difference between two programs of one node, sent instead of the full program when the agent
 * says which program it holds, so that a push is proportional to the change: a pod starting adds
 * one entry to its gateway's 10,000 sources, not 10,000. Pure.
 *
 * <p>Sources are diffed entry by entry; the other parts are small and sent whole when they changed
 * (null: unchanged). {@link #applyTo} refuses a base other than {@code baseGeneration}, so a delta
 * can only ever rebuild exactly the program it was computed for.
 *
 * @param node the node both programs belong to
 * @param baseGeneration the generation of the program the delta applies to
 * @param generation the generation of the resulting program
 * @param sourcesSet pod IP -> rule set, for sources added or whose rule set changed
 * @param sourcesRemoved pod IPs no longer in sources
 * @param ruleSets the new rule sets, or null when unchanged
 * @param egresses the new egresses, or null when unchanged
 * @param floatingIPs the new floating IPs, or null when unchanged
 * @param guardedPrefixes the new guarded prefixes, or null when unchanged
 * @param excludedPrefixes the new excluded prefixes, or null when unchanged
 * @param standbyFor the new floating IPs this node stands by for, or null when unchanged
 */
public record ProgramDelta(
    String node,
    long baseGeneration,
    long generation,
    Map<String, Integer> sourcesSet,
    List<String> sourcesRemoved,
    Map<Integer, List<NodeProgram.Route>> ruleSets,
    Map<Integer, NodeProgram.Egress> egresses,
    List<String> floatingIPs,
    List<String> guardedPrefixes,
    List<String> excludedPrefixes,
    List<String> standbyFor) {

  public ProgramDelta {
    sourcesSet = sourcesSet == null ? Map.of() : Map.copyOf(sourcesSet);
    sourcesRemoved = sourcesRemoved == null ? List.of() : List.copyOf(sourcesRemoved);
  }

  /** What turns {@code base} into {@code target} (same node). */
  public static ProgramDelta between(NodeProgram base, NodeProgram target) {
    if (!base.node().equals(target.node())) {
      throw new IllegalArgumentException(
          "programs of two nodes: " + base.node() + ", " + target.node());
    }
    Map<String, Integer> set = new HashMap<>();
    target
        .sources()
        .forEach(
            (ip, ruleSet) -> {
              if (!ruleSet.equals(base.sources().get(ip))) {
                set.put(ip, ruleSet);
              }
            });
    List<String> removed = new ArrayList<>();
    base.sources()
        .keySet()
        .forEach(
            ip -> {
              if (!target.sources().containsKey(ip)) {
                removed.add(ip);
              }
            });
    removed.sort(null);
    return new ProgramDelta(
        target.node(),
        base.generation(),
        target.generation(),
        set,
        removed,
        changed(base.ruleSets(), target.ruleSets()),
        changed(base.egresses(), target.egresses()),
        changed(base.floatingIPs(), target.floatingIPs()),
        changed(base.guardedPrefixes(), target.guardedPrefixes()),
        changed(base.excludedPrefixes(), target.excludedPrefixes()),
        changed(base.standbyFor(), target.standbyFor()));
  }

  /**
   * The program this delta makes of {@code base}. Its sources are a {@link PersistentMap} that
   * shares all but the changed entries with {@code base}'s (left as it was): in time proportional
   * to the delta when {@code base}'s sources already are one ({@link
   * NodeProgram#withPersistentSources}), else after one copy of them.
   *
   * @throws IllegalArgumentException when {@code base} is not the program the delta was made for
   */
  public NodeProgram applyTo(NodeProgram base) {
    if (base == null || !node.equals(base.node()) || base.generation() != baseGeneration) {
      throw new IllegalArgumentException(
          "delta "
              + node
              + "@"
              + baseGeneration
              + " does not apply to "
              + (base == null ? "no program" : base.node() + "@" + base.generation()));
    }
    PersistentMap<String, Integer> sources =
        PersistentMap.copyOf(base.sources()).withChanges(sourcesSet, sourcesRemoved);
    return new NodeProgram(
        node,
        generation,
        sources,
        ruleSets == null ? base.ruleSets() : ruleSets,
        egresses == null ? base.egresses() : egresses,
        floatingIPs == null ? base.floatingIPs() : floatingIPs,
        guardedPrefixes == null ? base.guardedPrefixes() : guardedPrefixes,
        excludedPrefixes == null ? base.excludedPrefixes() : excludedPrefixes,
        standbyFor == null ? base.standbyFor() : standbyFor);
  }

  /** Source entries carried (set + removed): the part of a delta that grows with a change. */
  public int sourceEntries() {
    return sourcesSet.size() + sourcesRemoved.size();
  }

  private static <T> T changed(T before, T after) {
    return Objects.equals(before, after) ? null : after;
  }
}

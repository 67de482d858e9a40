package io.egressgw.policy;

import java.util.Map;

/**
 * The full policy compile as a pure function: {@code compile(input, egressIds)} -> programs,
 * outcomes and the egress ids to pass next time. See {@link IncrementalCompiler} for the semantics
 * and the event-driven form; this is exactly {@code IncrementalCompiler.of(input, ids)}'s state.
 */
public final class PolicyCompiler {
  private PolicyCompiler() {}

  /**
   * Compiles everything.
   *
   * @param input the complete state
   * @param egressIds the previous compile's {@link CompileResult#egressIds()} (empty the first
   *     time): policies keep their ids, new ones get the lowest free ids in name order
   */
  public static CompileResult compile(CompilerInput input, Map<String, Integer> egressIds) {
    IncrementalCompiler c = IncrementalCompiler.of(input, egressIds);
    return new CompileResult(c.programs(), c.outcomes(), c.egressIds());
  }

  /** True when a pod with these labels in a namespace with these labels is selected by policy. */
  public static boolean selects(
      PolicyInput policy, Map<String, String> namespaceLabels, Map<String, String> podLabels) {
    return policy.selects(namespaceLabels, podLabels);
  }
}

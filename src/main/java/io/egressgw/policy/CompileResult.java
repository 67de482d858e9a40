package io.egressgw.policy;

import io.egressgw.program.NodeProgram;
import java.util.Map;

/**
 * A full compile.
 *
 * @param programs node -> program (generation 0; the distribution layer assigns generations)
 * @param outcomes policy -> outcome
 * @param egressIds policy -> egress id; feed it back into the next compile to keep ids stable
 */
public record CompileResult(
    Map<String, NodeProgram> programs,
    Map<String, PolicyOutcome> outcomes,
    Map<String, Integer> egressIds) {}

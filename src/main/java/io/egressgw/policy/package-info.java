/**
 * The policy compiler, pure: (policies, gateway groups, namespaces, pods, nodes, floating IP
 * assignment) -> one {@link io.egressgw.program.NodeProgram} per node plus a {@link
 * io.egressgw.policy.PolicyOutcome} per policy.
 *
 * <p>{@link io.egressgw.policy.PolicyCompiler#compile} is the full compile; {@link
 * io.egressgw.policy.IncrementalCompiler} takes informer events and answers which nodes' programs
 * changed. Inputs are plain records; the controller adapts informer data into them. No Kubernetes
 * client, JAX-RS or jnr here.
 */
package io.egressgw.policy;

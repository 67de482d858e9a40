/**
 * The wire model between the controller and the node agents: what one node must do ({@link
 * io.egressgw.program.NodeProgram}, full desired state with a generation) and what a node reports
 * ({@link io.egressgw.program.NodeReport}, heartbeat). Plain immutable values with no I/O; the
 * policy compiler produces programs, the agent applies them, the channel carries them as JSON.
 */
package io.egressgw.program;

package io.egressgw.program;

/**
 * The controller's answer to a heartbeat.
 *
 * @param programGeneration the generation of the node's current program (0: none yet); an agent
 *     whose applied generation is lower long-polls for it
 */
public record HeartbeatResponse(long programGeneration) {}

package io.egressgw.program;

import java.util.List;

/**
 * The controller's answer to a heartbeat.
 *
 * @param programGeneration the generation of the node's current program (0: none yet); an agent
 *     whose applied generation is lower long-polls for it
 * @param reclaim floating IPs assigned to this node that its report says it yielded to another
 *     host's announcement (a stale holder): the node takes them again if its applied program lists
 *     them, so that the controller's assignment, not the last announcement, decides the owner
 */
public record HeartbeatResponse(long programGeneration, List<String> reclaim) {
  public HeartbeatResponse {
    reclaim = reclaim == null ? List.of() : List.copyOf(reclaim);
  }

  public HeartbeatResponse(long programGeneration) {
    this(programGeneration, List.of());
  }
}

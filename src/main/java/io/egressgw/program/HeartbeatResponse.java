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
 * @param resync floating IPs this node holds whose standby lacks their replicated state (a new
 *     standby, a relay queue that overflowed, a new leader): the node sends each in full (a
 *     conntrack dump); empty from older controllers
 */
public record HeartbeatResponse(long programGeneration, List<String> reclaim, List<String> resync) {
  public HeartbeatResponse {
    reclaim = reclaim == null ? List.of() : List.copyOf(reclaim);
    resync = resync == null ? List.of() : List.copyOf(resync);
  }

  public HeartbeatResponse(long programGeneration, List<String> reclaim) {
    this(programGeneration, reclaim, List.of());
  }

  public HeartbeatResponse(long programGeneration) {
    this(programGeneration, List.of());
  }
}

package io.egressgw.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Conntrack replication between a floating IP's holder and its standby (issue 13). */
@ConfigMapping(prefix = "egressgw.agent.replication")
public interface AgentReplicationSettings {
  /**
   * On: the agent replicates the conntrack entries of the flows it SNATs to the IPs' standbys
   * (through the controller) and installs those it receives for the IPs it stands by for, so that a
   * failover or hand-over keeps connections open. Off: neither; its heartbeat says so, and planned
   * hand-overs to or from this node do not wait for replicated state.
   */
  @WithDefault("true")
  boolean enabled();
}

package io.egressgw.controller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The channel's shared in-memory state: agent liveness, per-node programs and the replication relay
 * (one per replica).
 */
@ApplicationScoped
public class ChannelState {
  private final AgentLiveness liveness;
  private final ProgramDistributor programs = new ProgramDistributor();
  private final ReplicationRelay replication;

  @Inject
  public ChannelState(LivenessSettings config, ChannelSettings channel) {
    this(config, channel.replication().queueBytes());
  }

  /** With the default replication queue. */
  public ChannelState(LivenessSettings config) {
    this(config, ReplicationRelay.DEFAULT_QUEUE_BYTES);
  }

  private ChannelState(LivenessSettings config, long replicationQueueBytes) {
    this.liveness = new AgentLiveness(config.missWindow(), config.leaderGrace());
    this.replication = new ReplicationRelay(replicationQueueBytes);
  }

  /** The relay of conntrack replication (primary -> controller -> standby). */
  public ReplicationRelay replication() {
    return replication;
  }

  public AgentLiveness liveness() {
    return liveness;
  }

  public ProgramDistributor programs() {
    return programs;
  }
}

package io.egressgw.controller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The channel's shared in-memory state: agent liveness and per-node programs (one per replica). */
@ApplicationScoped
public class ChannelState {
  private final AgentLiveness liveness;
  private final ProgramDistributor programs = new ProgramDistributor();

  @Inject
  public ChannelState(LivenessSettings config) {
    this.liveness = new AgentLiveness(config.missWindow(), config.leaderGrace());
  }

  public AgentLiveness liveness() {
    return liveness;
  }

  public ProgramDistributor programs() {
    return programs;
  }
}

package io.egressgw.agent.channel;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * An agent is ready once the controller accepts its heartbeats and it has applied a program the
 * controller signed: from then on its node is Up and programmed. In role controller this check says
 * nothing (always up).
 */
@Readiness
@ApplicationScoped
public class AgentReadiness implements HealthCheck {
  @Inject AgentChannel channel;

  @Override
  public HealthCheckResponse call() {
    AgentChannelClient client = channel.client();
    if (client == null) {
      return HealthCheckResponse.up("agent-channel");
    }
    boolean heard = client.lastHeartbeatStatus() == 200;
    boolean programmed = client.programsApplied() > 0;
    return HealthCheckResponse.named("agent-channel")
        .status(heard && programmed)
        .withData("node", client.node())
        .withData("lastHeartbeatStatus", client.lastHeartbeatStatus())
        .withData("programsApplied", client.programsApplied())
        .build();
  }
}

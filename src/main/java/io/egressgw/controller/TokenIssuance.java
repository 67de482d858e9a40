package io.egressgw.controller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues each node's agent token once per replica, the first time the node is seen (every replica,
 * leading or not, so that a standby has them when it takes over).
 */
@ApplicationScoped
public class TokenIssuance {
  @Inject AgentAuthenticator auth;

  private final Set<String> issued = ConcurrentHashMap.newKeySet();

  /** Issues a token for each of {@code nodes} not seen before. */
  void issueForNew(Collection<String> nodes) {
    for (String node : nodes) {
      if (issued.add(node)) {
        auth.issue(node);
      }
    }
  }
}

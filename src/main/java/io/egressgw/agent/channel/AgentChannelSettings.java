package io.egressgw.agent.channel;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The agent side of the controller <-> agent channel. */
@ConfigMapping(prefix = "egressgw.agent.channel")
public interface AgentChannelSettings {
  /**
   * Off: role agent starts no channel client (and so never opens the dataplane); the test profile
   * uses it for tests that start the application in role agent for other reasons.
   */
  @WithDefault("true")
  boolean enabled();

  /** This node's name; when unset, env NODE_NAME (the downward API in a cluster). */
  Optional<String> nodeName();

  /**
   * The controller, either {@code https://host:port} / {@code http://host:port} (TCP) or {@code
   * unix:/path/to/socket} (a Unix domain socket; the lab's node network namespaces reach the
   * controller only this way).
   */
  @WithDefault("http://localhost:8080")
  String controllerUrl();

  /** The bearer token presented on every request (re-read periodically: tokens rotate). */
  @WithDefault("/var/run/secrets/egressgw/token")
  String tokenFile();

  /** The controller's Ed25519 public key (PEM); programs not signed with it are rejected. */
  @WithDefault("/etc/egressgw/controller-signing.pub")
  String controllerPublicKeyFile();

  /** Heartbeat interval; must match the controller's egressgw.controller.liveness.interval. */
  @WithDefault("100ms")
  Duration heartbeatInterval();

  /**
   * On SIGTERM, how long the agent waits for a program without its floating IPs (the controller
   * hands them to their standbys when the heartbeat says draining) before it exits anyway. Below
   * the pod's terminationGracePeriodSeconds.
   */
  @WithDefault("5s")
  Duration handOverTimeout();

  /** Client-side limit of one long-poll; above the controller's long-poll timeout. */
  @WithDefault("35s")
  Duration pollTimeout();

  /**
   * The name the controller's TLS certificate carries, when the controller URL names another host:
   * the agents reach the leader through the leader-only Service (egressgw-controller-leader) and
   * verify the certificate issued for egressgw-controller. Default: the URL's host.
   */
  Optional<String> tlsServerName();

  /** Verify the controller's TLS certificate against this CA bundle (PEM); default: JVM trust. */
  Optional<String> caFile();
}

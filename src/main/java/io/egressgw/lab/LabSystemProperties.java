package io.egressgw.lab;

import io.egressgw.lab.LabPlan.LabNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The configuration the lab gives the Kubernetes API emulator, the controller and each agent
 * (system properties).
 *
 * <p>The API emulator runs in a process of its own (the application in role controller with the
 * controller switched off), so that the controller can be killed and restarted like a pod while the
 * Kubernetes API keeps its objects, as a real API server would. Each agent reaches the controller
 * through a relay socket of its own node, so that the lab can partition one node from the
 * controller without touching any other path (see {@link LabChaos}).
 */
final class LabSystemProperties {
  private LabSystemProperties() {}

  static Path controllerSocket(Path dir) {
    return dir.resolve("controller.sock");
  }

  /** The embedded Kubernetes API emulator's fixed port in the lab, so that the lab can seed it. */
  static final int KUBE_API_PORT = 18080;

  static String kubeApiUrl() {
    return "http://127.0.0.1:" + KUBE_API_PORT;
  }

  static Path tokenDir(Path dir) {
    return dir.resolve("agent-tokens");
  }

  static Path publicKey(Path dir) {
    return dir.resolve("controller-signing.pub");
  }

  /** The API emulator process's own HTTP port (the lab never calls its REST API). */
  static final int KUBE_API_PROCESS_HTTP_PORT = 8081;

  /** The API emulator process's management port (its health). */
  static final int KUBE_API_PROCESS_MANAGEMENT_PORT = 9001;

  /** The controller's management port (health, metrics), on 127.0.0.1. */
  static final int CONTROLLER_MANAGEMENT_PORT = 9000;

  /** Each agent's management port (health, metrics), on 127.0.0.1 of its node's namespace. */
  static final int AGENT_MANAGEMENT_PORT = 9090;

  /** The relay socket through which the agent of one node reaches the controller's socket. */
  static Path channelSocket(Path dir, LabNode node) {
    return dir.resolve("channel-" + node.name() + ".sock");
  }

  /** The Kubernetes API: the embedded emulator, with the CRDs, and no controller loops. */
  static List<String> kubeApi() {
    return List.of(
        "-Degressgw.role=controller",
        "-Degressgw.kubernetes=embedded",
        "-Degressgw.kubernetes-emulator.port=" + KUBE_API_PORT,
        "-Degressgw.controller.enabled=false",
        "-Degressgw.rest.auth.mode=none",
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.http.port=" + KUBE_API_PROCESS_HTTP_PORT,
        "-Dquarkus.management.host=127.0.0.1",
        "-Dquarkus.management.port=" + KUBE_API_PROCESS_MANAGEMENT_PORT);
  }

  /** The controller, against the emulator as against a cluster's API server. */
  static List<String> controller(Path dir) {
    return List.of(
        "-Degressgw.role=controller",
        "-Degressgw.kubernetes=cluster",
        "-Dquarkus.kubernetes-client.api-server-url=" + kubeApiUrl(),
        "-Dquarkus.kubernetes-client.trust-certs=true",
        // The lab's REST API is for local use on 127.0.0.1, as with the embedded emulator.
        "-Degressgw.rest.auth.mode=none",
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.http.port=8080",
        "-Dquarkus.management.host=127.0.0.1",
        "-Dquarkus.management.port=" + CONTROLLER_MANAGEMENT_PORT,
        "-Dquarkus.http.domain-socket=" + controllerSocket(dir),
        "-Dquarkus.http.domain-socket-enabled=true",
        "-Degressgw.controller.channel.signing-key-file=" + dir.resolve("controller-signing.key"),
        "-Degressgw.controller.channel.public-key-file=" + publicKey(dir),
        "-Degressgw.controller.channel.auth.mode=node-token",
        "-Degressgw.controller.channel.auth.token-secret-file=" + dir.resolve("node-token.secret"),
        "-Degressgw.controller.channel.auth.token-dir=" + tokenDir(dir));
  }

  static List<String> agent(Path dir, LabNode node, Path pinDir) {
    return List.of(
        "-Degressgw.role=agent",
        "-Degressgw.agent.channel.node-name=" + node.name(),
        "-Degressgw.agent.channel.controller-url=unix:" + channelSocket(dir, node),
        "-Degressgw.agent.channel.token-file=" + tokenDir(dir).resolve(node.name() + ".token"),
        "-Degressgw.agent.channel.controller-public-key-file=" + publicKey(dir),
        "-Degressgw.agent.dataplane.uplink=eth0",
        "-Degressgw.agent.dataplane.pin-dir=" + pinDir,
        // health and metrics only, as in a cluster: no other listener
        "-Dquarkus.http.host-enabled=false",
        "-Dquarkus.management.host=127.0.0.1",
        "-Dquarkus.management.port=" + AGENT_MANAGEMENT_PORT);
  }
}

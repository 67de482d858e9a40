package io.egressgw.lab;

import io.egressgw.lab.LabPlan.LabNode;
import java.nio.file.Path;
import java.util.List;

/** The configuration the lab gives the controller and each agent (system properties). */
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

  static List<String> controller(Path dir) {
    return List.of(
        "-Degressgw.role=controller",
        "-Degressgw.kubernetes=embedded",
        "-Degressgw.kubernetes-emulator.port=" + KUBE_API_PORT,
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.http.port=8080",
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
        "-Degressgw.agent.channel.controller-url=unix:" + controllerSocket(dir),
        "-Degressgw.agent.channel.token-file=" + tokenDir(dir).resolve(node.name() + ".token"),
        "-Degressgw.agent.channel.controller-public-key-file=" + publicKey(dir),
        "-Degressgw.agent.dataplane.uplink=eth0",
        "-Degressgw.agent.dataplane.pin-dir=" + pinDir,
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.http.port=9090");
  }
}

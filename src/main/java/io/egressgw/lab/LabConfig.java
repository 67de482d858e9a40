package io.egressgw.lab;

import io.egressgw.lab.LabPlan.LabNode;
import java.nio.file.Path;
import java.util.List;

/** The configuration the lab gives the controller and each agent (system properties). */
final class LabConfig {
  private LabConfig() {}

  static Path controllerSocket(Path dir) {
    return dir.resolve("controller.sock");
  }

  static Path kubeApiUrlFile(Path dir) {
    return dir.resolve("kube-api-url");
  }

  static List<String> controller(Path dir) {
    return List.of(
        "-Degressgw.role=controller",
        "-Degressgw.kubernetes=embedded",
        "-Degressgw.kubernetes.embedded.url-file=" + kubeApiUrlFile(dir),
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.http.port=8080",
        "-Dquarkus.http.domain-socket=" + controllerSocket(dir),
        "-Dquarkus.http.domain-socket-enabled=true",
        "-Dquarkus.vertx.prefer-native-transport=true",
        "-Degressgw.controller.agent-token-dir=" + dir.resolve("agent-tokens"));
  }

  static List<String> agent(Path dir, LabNode node, Path pinPath) {
    return List.of(
        "-Degressgw.role=agent",
        "-Degressgw.agent.node-name=" + node.name(),
        "-Degressgw.agent.controller-url=unix://" + controllerSocket(dir),
        "-Degressgw.agent.token-file=" + dir.resolve("agent-tokens").resolve(node.name()),
        "-Degressgw.agent.uplink=eth0",
        "-Degressgw.agent.bpf-pin-path=" + pinPath,
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.http.port=9090",
        "-Dquarkus.vertx.prefer-native-transport=true");
  }
}

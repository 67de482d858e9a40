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

  /** The embedded Kubernetes API emulator's fixed port in the lab, so that the lab can seed it. */
  static final int KUBE_API_PORT = 18080;

  static String kubeApiUrl() {
    return "http://127.0.0.1:" + KUBE_API_PORT;
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

package io.egressgw.policy;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Egress;
import io.egressgw.program.NodeProgram.Route;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The reference cluster and helpers shared by the compiler tests. */
final class CompilerFixtures {
  private CompilerFixtures() {}

  static final List<NodeInput> NODES =
      List.of(new NodeInput("worker1", "192.168.1.1"), new NodeInput("worker2", "192.168.1.2"));
  static final GatewayInput DEFAULT_GATEWAY =
      new GatewayInput(
          "kube-system/default", List.of("192.168.1.100", "192.168.1.101", "192.168.1.102"));
  static final Map<String, String> ASSIGNMENT =
      Map.of("192.168.1.100", "worker1", "192.168.1.101", "worker2", "192.168.1.102", "worker1");
  static final List<NamespaceInput> NAMESPACES =
      List.of(
          new NamespaceInput("alice", Map.of("user", "alice")),
          new NamespaceInput("paul", Map.of("user", "paul")),
          new NamespaceInput("bob", Map.of("user", "bob")));

  static PodInput pod(String ns, String name, String role, String ip, String node) {
    return new PodInput(ns, name, role == null ? Map.of() : Map.of("role", role), ip, node);
  }

  static final List<PodInput> PODS =
      List.of(
          pod("alice", "frontend", "frontend", "10.10.10.1", "worker2"),
          pod("alice", "backend", "backend", "10.10.10.2", "worker2"),
          pod("paul", "frontend", "frontend", "10.10.20.1", "worker1"),
          pod("bob", "frontend", "frontend", "10.10.30.1", "worker2"),
          pod("alice", "pending", "frontend", null, "worker1"));

  static CompilerInput reference() {
    return new CompilerInput(
        List.of(SelectionTest.REFERENCE),
        List.of(DEFAULT_GATEWAY),
        NAMESPACES,
        PODS,
        NODES,
        ASSIGNMENT);
  }

  static PolicyInput policy(String name, String gateway, List<String> cidrs, String... nsUser) {
    List<PolicyInput.Rule> rules =
        java.util.Arrays.stream(nsUser)
            .map(u -> new PolicyInput.Rule(Map.of("user", u), Map.of("role", "frontend")))
            .toList();
    return new PolicyInput(name, rules, cidrs, gateway);
  }

  /**
   * A program with rule set ids resolved away: source ip -> (prefix -> egress; empty for an
   * unselected pod, rule set 0), plus floating IPs and guarded prefixes. Two compiles that number
   * rule sets differently but steer identically are equal in this form.
   */
  record Canonical(
      Map<String, Map<String, Egress>> sources,
      List<String> floatingIPs,
      List<String> guardedPrefixes,
      List<String> excludedPrefixes) {}

  static Canonical canonical(NodeProgram p) {
    Map<String, Map<String, Egress>> out = new TreeMap<>();
    p.sources()
        .forEach(
            (ip, rs) -> {
              Map<String, Egress> routes = new TreeMap<>();
              if (rs == 0) {
                if (p.ruleSets().containsKey(0)) {
                  throw new AssertionError(p.node() + ": rule set 0 must have no routes");
                }
                out.put(ip, routes);
                return;
              }
              List<Route> list = p.ruleSets().get(rs);
              if (list == null) {
                throw new AssertionError(p.node() + ": source " + ip + " has no rule set " + rs);
              }
              for (Route r : list) {
                Egress e = p.egresses().get(r.egressId());
                if (e == null) {
                  throw new AssertionError(p.node() + ": route " + r + " has no egress");
                }
                routes.put(r.cidr(), e);
              }
              out.put(ip, routes);
            });
    return new Canonical(out, p.floatingIPs(), p.guardedPrefixes(), p.excludedPrefixes());
  }

  static Map<String, Canonical> canonical(Map<String, NodeProgram> programs) {
    Map<String, Canonical> out = new TreeMap<>();
    programs.forEach((n, p) -> out.put(n, canonical(p)));
    return out;
  }
}

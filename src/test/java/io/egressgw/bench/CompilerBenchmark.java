package io.egressgw.bench;

import io.egressgw.placement.FloatingIpPlacement;
import io.egressgw.placement.PlacementGroup;
import io.egressgw.placement.PlacementSnapshot;
import io.egressgw.policy.CompileResult;
import io.egressgw.policy.CompilerInput;
import io.egressgw.policy.GatewayInput;
import io.egressgw.policy.IncrementalCompiler;
import io.egressgw.policy.NamespaceInput;
import io.egressgw.policy.NodeInput;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.PolicyCompiler;
import io.egressgw.policy.PolicyInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The policy compiler at scale: 5,000 nodes, 1,000 namespaces of 100 pods (100,000 pods, 20 per
 * node), 1,000 policies with 10 /24 destinations each, one gateway group of 3 floating IPs per
 * policy placed by {@link FloatingIpPlacement}.
 *
 * <p>990 policies are namespace-scoped (policy k: pods with app=a(k%5) in namespace k, 20 pods). 10
 * are cluster-wide (tier=prod namespaces, app=a(k%5)): each selects 10,000 pods, so its gateway
 * node serves 10,000 remote pods. Destinations overlap between policies (identical prefixes are
 * resolved by name).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CompilerBenchmark {
  static final int NAMESPACES = 1000;
  static final int PODS_PER_NAMESPACE = 100;
  static final int POLICIES = 1000;
  static final int CIDRS = 10;

  CompilerInput input;
  Map<String, Integer> ids;
  IncrementalCompiler compiler;
  long toggle;

  static String podIp(int i) {
    return "10." + (128 + (i >>> 16)) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff);
  }

  static String team(int j) {
    return "t" + j;
  }

  static CompilerInput cluster() {
    List<NodeInput> nodes = new ArrayList<>();
    for (int i = 0; i < PlacementBenchmark.NODES; i++) {
      nodes.add(
          new NodeInput(String.format("node-%05d", i), "10.0." + (i / 250) + "." + (i % 250 + 1)));
    }
    List<NamespaceInput> namespaces = new ArrayList<>();
    List<PodInput> pods = new ArrayList<>();
    for (int j = 0; j < NAMESPACES; j++) {
      String ns = String.format("ns-%04d", j);
      namespaces.add(
          new NamespaceInput(ns, Map.of("team", team(j), "tier", j % 2 == 0 ? "prod" : "dev")));
      for (int k = 0; k < PODS_PER_NAMESPACE; k++) {
        int i = j * PODS_PER_NAMESPACE + k;
        pods.add(
            new PodInput(
                ns,
                "pod-" + k,
                Map.of("app", "a" + (k % 5), "pod-template-hash", "h" + (k % 7)),
                podIp(i),
                String.format("node-%05d", i % PlacementBenchmark.NODES)));
      }
    }
    List<PlacementGroup> groups = PlacementBenchmark.groups();
    List<GatewayInput> gateways = new ArrayList<>();
    groups.forEach(g -> gateways.add(new GatewayInput(g.key(), g.floatingIPs())));
    Map<String, String> assignment =
        FloatingIpPlacement.plan(
                new PlacementSnapshot(groups, PlacementBenchmark.nodes(), Map.of()))
            .assignment();
    List<PolicyInput> policies = new ArrayList<>();
    for (int k = 0; k < POLICIES; k++) {
      List<String> cidrs = new ArrayList<>();
      for (int c = 0; c < CIDRS; c++) {
        cidrs.add("198." + (18 + c % 2) + "." + ((k + c * 37) % 256) + ".0/24");
      }
      PolicyInput.Rule rule =
          k % 100 == 0
              ? new PolicyInput.Rule(Map.of("tier", "prod"), Map.of("app", "a" + (k / 100 % 5)))
              : new PolicyInput.Rule(Map.of("team", team(k)), Map.of("app", "a" + (k % 5)));
      policies.add(
          new PolicyInput(
              String.format("policy-%04d", k), List.of(rule), cidrs, groups.get(k).key()));
    }
    return new CompilerInput(policies, gateways, namespaces, pods, nodes, assignment);
  }

  @Setup(Level.Trial)
  public void setUp() {
    input = cluster();
    CompileResult r = PolicyCompiler.compile(input, Map.of());
    ids = r.egressIds();
    compiler = IncrementalCompiler.of(input, ids);
  }

  /** Full compile of the whole cluster: every program and outcome. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3)
  @Measurement(iterations = 10)
  public CompileResult fullCompile() {
    return PolicyCompiler.compile(input, ids);
  }

  /** Full compile without the policy outcomes: load everything and build every program. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3)
  @Measurement(iterations = 10)
  public Map<String, io.egressgw.program.NodeProgram> fullCompileProgramsOnly() {
    return IncrementalCompiler.of(input, ids).programs();
  }

  /**
   * One pod event in a dev namespace, selected by that namespace's policy (20 pods): alternately
   * added and deleted, so each invocation is one event; reports its node and the gateway as changed
   * (programs are built when asked for, see the *WithPrograms variants).
   */
  @Benchmark
  public Set<String> podEventNamespacePolicy() {
    return toggle(
        new PodInput("ns-0001", "extra", Map.of("app", "a1"), "10.200.0.1", "node-00042"));
  }

  /**
   * One pod event in a prod namespace, selected by its namespace policy and by a cluster-wide
   * policy whose gateway serves 10,000 pods: that gateway's whole program is rebuilt.
   */
  @Benchmark
  public Set<String> podEventClusterWidePolicy() {
    return toggle(
        new PodInput("ns-0000", "extra", Map.of("app", "a0"), "10.200.0.2", "node-00042"));
  }

  /** As podEventNamespacePolicy, then the changed programs are built (what distribution does). */
  @Benchmark
  public int podEventNamespacePolicyWithPrograms() {
    return materialize(podEventNamespacePolicy());
  }

  /** As podEventClusterWidePolicy, then the changed programs are built (10,000-source gateways). */
  @Benchmark
  public int podEventClusterWidePolicyWithPrograms() {
    return materialize(podEventClusterWidePolicy());
  }

  private int materialize(Set<String> changed) {
    int sources = 0;
    for (String node : changed) {
      sources += compiler.programFor(node).sources().size();
    }
    return sources;
  }

  /** One pod event that no policy selects. */
  @Benchmark
  public Set<String> podEventUnselected() {
    return toggle(
        new PodInput("ns-0001", "extra2", Map.of("app", "zz"), "10.200.0.3", "node-00042"));
  }

  private Set<String> toggle(PodInput pod) {
    if ((toggle++ & 1) == 0) {
      return compiler.podUpserted(pod);
    }
    return compiler.podDeleted(pod.namespace(), pod.name());
  }
}

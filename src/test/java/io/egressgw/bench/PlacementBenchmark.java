package io.egressgw.bench;

import io.egressgw.placement.FloatingIpPlacement;
import io.egressgw.placement.PlacementGroup;
import io.egressgw.placement.PlacementIndex;
import io.egressgw.placement.PlacementNode;
import io.egressgw.placement.PlacementResult;
import io.egressgw.placement.PlacementSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Placement at scale: 1,000 groups x 3 floating IPs over 5,000 nodes (5 control-plane), all on one
 * 10.0.0.0/16 segment; a third of the groups select on a zone label (10 zones), a third on an
 * "egress" label half of the nodes carry, a third select every node.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PlacementBenchmark {
  static final int NODES = 5000;
  static final int GROUPS = 1000;
  static final int IPS_PER_GROUP = 3;

  PlacementSnapshot fresh;
  PlacementSnapshot steady;
  PlacementResult steadyResult;
  List<PlacementNode> nodes;
  int next;

  /** The cluster of the benchmark, deterministic. */
  static List<PlacementNode> nodes() {
    List<PlacementNode> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      String address = "10.0." + (i / 250) + "." + (i % 250 + 1) + "/16";
      nodes.add(
          new PlacementNode(
              String.format("node-%05d", i),
              i % 2 == 0
                  ? Map.of("zone", "z" + (i % 10), "egress", "yes")
                  : Map.of("zone", "z" + (i % 10)),
              i < 5,
              List.of(address),
              true));
    }
    return nodes;
  }

  static List<PlacementGroup> groups() {
    List<PlacementGroup> groups = new ArrayList<>();
    int ip = 0;
    for (int g = 0; g < GROUPS; g++) {
      List<String> ips = new ArrayList<>();
      for (int k = 0; k < IPS_PER_GROUP; k++, ip++) {
        ips.add("10.0." + (100 + ip / 250) + "." + (ip % 250 + 1));
      }
      Map<String, String> selector =
          switch (g % 3) {
            case 0 -> Map.of();
            case 1 -> Map.of("zone", "z" + (g % 10));
            default -> Map.of("egress", "yes");
          };
      groups.add(new PlacementGroup(String.format("ns-%04d/gw", g), ips, selector));
    }
    return groups;
  }

  @Setup(Level.Trial)
  public void setUp() {
    nodes = nodes();
    fresh = new PlacementSnapshot(groups(), nodes, Map.of());
    PlacementResult first = FloatingIpPlacement.plan(fresh);
    if (first.assignment().size() != GROUPS * IPS_PER_GROUP) {
      throw new IllegalStateException(
          "benchmark cluster must place every IP: " + first.unassigned());
    }
    steady = new PlacementSnapshot(fresh.groups(), nodes, first.assignment());
    steadyResult = FloatingIpPlacement.plan(steady);
  }

  /** Full plan from nothing: every IP is placed. */
  @Benchmark
  public PlacementResult fullPlanFromScratch() {
    return FloatingIpPlacement.plan(fresh);
  }

  /** Full plan of an unchanged cluster (a resync): every IP stays. */
  @Benchmark
  public PlacementResult fullPlanSteadyState() {
    return FloatingIpPlacement.plan(steady);
  }

  /**
   * What the controller runs when a node holding IPs fails: one {@link PlacementIndex} of the
   * snapshot with that node down (the full plan, its IPs move) and status.nodes of every group read
   * from that index.
   */
  @Benchmark
  public int oneNodeFailureWithGroupStatus() {
    PlacementNode victim = null;
    while (victim == null) {
      PlacementNode candidate = nodes.get(next);
      next = (next + 1) % NODES;
      if (steadyResult.assignment().containsValue(candidate.name())) {
        victim = candidate;
      }
    }
    List<PlacementNode> withVictimDown = new ArrayList<>(nodes);
    withVictimDown.set(
        nodes.indexOf(victim),
        new PlacementNode(
            victim.name(), victim.labels(), victim.controlPlane(), victim.subnets(), false));
    PlacementIndex index =
        PlacementIndex.of(
            new PlacementSnapshot(steady.groups(), withVictimDown, steady.currentAssignment()));
    int statusNodes = 0;
    for (PlacementGroup g : steady.groups()) {
      statusNodes += index.nodeStatus(g.key()).size();
    }
    return index.result().moves().size() + statusNodes;
  }
}

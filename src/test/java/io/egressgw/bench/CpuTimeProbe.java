package io.egressgw.bench;

import io.egressgw.placement.FloatingIpPlacement;
import io.egressgw.policy.CompilerInput;
import io.egressgw.policy.IncrementalCompiler;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.PolicyCompiler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Complements the JMH numbers on a shared machine: for the same scenarios, the median wall time and
 * the median CPU time of the benchmarking thread (which excludes time spent waiting for a core
 * while other processes run, and also excludes GC threads). Not a test; run with {@code
 * bench/run.sh --probe}.
 */
public final class CpuTimeProbe {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) {
    PlacementBenchmark pb = new PlacementBenchmark();
    pb.setUp();
    measure(
        "placement full plan from scratch",
        30,
        () -> FloatingIpPlacement.plan(pb.fresh).assignment().size());
    measure(
        "placement full plan steady state",
        30,
        () -> FloatingIpPlacement.plan(pb.steady).assignment().size());
    measure("placement one node failure + group status", 30, pb::oneNodeFailureWithGroupStatus);

    CompilerInput input = CompilerBenchmark.cluster();
    Map<String, Integer> ids = PolicyCompiler.compile(input, Map.of()).egressIds();
    measure(
        "compiler full compile", 12, () -> PolicyCompiler.compile(input, ids).programs().size());
    IncrementalCompiler c = IncrementalCompiler.of(input, ids);
    c.programs();
    PodInput local =
        new PodInput("ns-0001", "extra", Map.of("app", "a1"), "10.200.0.1", "node-00042");
    PodInput wide =
        new PodInput("ns-0000", "extra", Map.of("app", "a0"), "10.200.0.2", "node-00042");
    measure("compiler one pod event (namespace policy)", 20000, toggle(c, local, false));
    measure("compiler one pod event (cluster-wide policy)", 20000, toggle(c, wide, false));
    measure("compiler one pod event + programs (namespace policy)", 2000, toggle(c, local, true));
    measure("compiler one pod event + programs (cluster-wide policy)", 200, toggle(c, wide, true));
  }

  private static IntSupplier toggle(IncrementalCompiler c, PodInput pod, boolean programs) {
    boolean[] present = {false};
    return () -> {
      present[0] = !present[0];
      java.util.Set<String> changed =
          present[0] ? c.podUpserted(pod) : c.podDeleted(pod.namespace(), pod.name());
      int n = changed.size();
      if (programs) {
        for (String node : changed) {
          n += c.programFor(node).sources().size();
        }
      }
      return n;
    };
  }

  private static void measure(String name, int iterations, IntSupplier work) {
    int sink = 0;
    for (int i = 0; i < Math.max(3, iterations / 5); i++) {
      sink += work.getAsInt(); // warm-up
    }
    long[] wall = new long[iterations];
    long[] cpu = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long c0 = THREADS.getCurrentThreadCpuTime();
      long w0 = System.nanoTime();
      sink += work.getAsInt();
      wall[i] = System.nanoTime() - w0;
      cpu[i] = THREADS.getCurrentThreadCpuTime() - c0;
    }
    Arrays.sort(wall);
    Arrays.sort(cpu);
    System.out.printf(
        "%-58s median wall %10.1f us   median thread CPU %10.1f us   (n=%d, sink %d)%n",
        name, wall[iterations / 2] / 1e3, cpu[iterations / 2] / 1e3, iterations, sink % 10);
  }

  private CpuTimeProbe() {}
}

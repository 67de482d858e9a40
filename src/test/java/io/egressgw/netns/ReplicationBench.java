package io.egressgw.netns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.dataplane.ConntrackEntry;
import io.egressgw.dataplane.FlowClass;
import io.egressgw.dataplane.ReplicationBatch;
import io.egressgw.net.Ipv4;
import io.egressgw.program.NodeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The standby's side of conntrack replication, measured (issue 13; not part of the test suite: run
 * src/test/bench/replication-bench.sh as root): a real agent in a network namespace receives N
 * SNATed TCP entries in batches of 512, as the controller's relay hands them over, and installs
 * them in its namespace's conntrack table; then it takes the floating IP over (the apply that
 * installs what the kernel lacks before the address is configured). Prints Markdown: entries
 * installed per second, the per-batch time (a batch's send to installed), the agent's resident
 * memory before and after, the kernel's entry count, and how long the takeover's apply took.
 */
public final class ReplicationBench {
  static final String FLOATING_IP = "10.77.0.100";
  static final int EGRESS_ID = 13;
  static final int BATCH = 512;
  static final ObjectMapper JSON = new ObjectMapper();

  private ReplicationBench() {}

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int ip = Ipv4.parseOrThrow(FLOATING_IP);
    int mark = FlowClass.ctMark(FlowClass.SNATED, EGRESS_ID);
    try (NetnsLab lab = NetnsLab.start(1)) {
      Path logs = Files.createDirectories(Path.of("target", "bench-logs", lab.runId()));
      AgentProcess standby =
          AgentProcess.start(lab, lab.node(1), lab.pinDir(1), logs.resolve("agent-n1.log"));
      standby.apply(program(1, List.of()));
      standby.standby(FLOATING_IP);
      long rssBefore = rssKiB(standby.pid());
      List<Long> batchMillis = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int from = 0; from < total; from += BATCH) {
        List<ConntrackEntry> upserts = new ArrayList<>();
        for (int k = from; k < Math.min(total, from + BATCH); k++) {
          int pod = Ipv4.parseOrThrow("10.244.1." + (2 + k / 60_000));
          int dst = Ipv4.parseOrThrow("203.0.113." + (10 + k / 60_000));
          int port = 1024 + k % 60_000;
          upserts.add(
              new ConntrackEntry(6, pod, dst, port, 443, ip, port, 0x18e, 600, mark, 3, 7, 7));
        }
        long b0 = System.nanoTime();
        standby.install(
            JSON.valueToTree(
                new ReplicationBatch(
                    ip,
                    upserts,
                    List.of(),
                    System.currentTimeMillis(),
                    from == 0,
                    from + BATCH >= total)));
        batchMillis.add((System.nanoTime() - b0) / 1_000_000);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      JsonNode counts = standby.replication();
      long rssAfter = rssKiB(standby.pid());
      String inKernel = kernelCount(lab);

      long a0 = System.nanoTime();
      standby.apply(program(2, List.of(FLOATING_IP)));
      long takeoverMillis = (System.nanoTime() - a0) / 1_000_000;

      batchMillis.sort(null);
      StringBuilder md = new StringBuilder();
      md.append(
          "| entries | installed/s | batch p50 | batch p99 | batch max | RSS before -> after"
              + " | kernel entries | takeover apply |\n");
      md.append("|---|---|---|---|---|---|---|---|\n");
      md.append(
          String.format(
              Locale.ROOT,
              "| %,d | %,.0f | %d ms | %d ms | %d ms | %,d -> %,d KiB | %s | %d ms |%n",
              total,
              counts.path("installed").asLong() / seconds,
              pct(batchMillis, 50),
              pct(batchMillis, 99),
              batchMillis.get(batchMillis.size() - 1),
              rssBefore,
              rssAfter,
              inKernel,
              takeoverMillis));
      md.append("\nagent counts: ").append(counts).append('\n');
      System.out.print(md);
    }
  }

  static NodeProgram program(long generation, List<String> floatingIPs) {
    return new NodeProgram(
        "node1",
        generation,
        Map.of("10.244.1.2", 1),
        Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(EGRESS_ID, "bench", FLOATING_IP, "node1", NetnsLab.nodeIp(1))),
        floatingIPs);
  }

  static long pct(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
  }

  static long rssKiB(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  static String kernelCount(NetnsLab lab) {
    return Sh.run(5, Sh.inNetns(lab.node(1), "cat", "/proc/sys/net/netfilter/nf_conntrack_count"))
        .output()
        .strip();
  }
}

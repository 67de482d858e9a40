package io.egressgw.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The chaos harness's invariants, judged over what its monitors recorded during one fault cycle.
 * Pure: samples in, a verdict out; the monitors that take the samples live in {@link LabMonitors}.
 *
 * <ol>
 *   <li><b>One ARP owner.</b> Every floating IP is answered by exactly one MAC; a run of samples
 *       with two or more MACs, or with none, is a breach when it lasts longer than the settle time
 *       (a hand-over may take that long), or when it still lasts at the end of the cycle.
 *   <li><b>Right source.</b> A selected pod is seen outside with its egress IP or not at all: any
 *       other answer is a breach, at any moment.
 *   <li><b>Bounded outage.</b> For each probed pod whose own node the fault does not cut off, the
 *       longest time between two answers with the egress IP (or from the last one to the end of the
 *       cycle) stays within the fault's bound.
 * </ol>
 */
final class LabInvariants {
  private LabInvariants() {}

  /**
   * One probe: when it completed (monotonic ns), from which pod, and the source seen ("-": none).
   */
  record ProbeSample(long nanos, String pod, String seen) {
    boolean answered() {
      return !seen.equals("-");
    }
  }

  /** One ARP request for a floating IP from the outside router, and the MACs that answered it. */
  record ArpSample(long nanos, String ip, Set<String> macs) {}

  /** The limits a cycle is judged by. */
  record Bounds(Duration settle, Duration outage) {}

  /**
   * What one cycle showed.
   *
   * @param worstOutage the longest gap between answers with the egress IP, over the counted pods
   * @param arpBreaches runs of "not exactly one owner" longer than the settle time
   * @param sourceBreaches probes answered with another source than the egress IP
   * @param outageBreaches 1 when the worst outage exceeds the bound, else 0
   * @param notes what the breaches were, for people
   */
  record Verdict(
      Duration worstOutage,
      int arpBreaches,
      int sourceBreaches,
      int outageBreaches,
      List<String> notes) {
    int breaches() {
      return arpBreaches + sourceBreaches + outageBreaches;
    }
  }

  /**
   * Judges the cycle [start, end] (monotonic ns).
   *
   * @param outagePods the pods whose outage counts (those the fault does not cut off themselves)
   * @param egressIP the source address every probed pod must be seen with
   */
  static Verdict judge(
      long start,
      long end,
      List<ProbeSample> probes,
      Set<String> outagePods,
      String egressIP,
      List<ArpSample> arp,
      Bounds bounds) {
    List<String> notes = new ArrayList<>();
    int sourceBreaches = 0;
    for (ProbeSample p : probes) {
      if (p.nanos() >= start && p.nanos() <= end && p.answered() && !p.seen().equals(egressIP)) {
        if (sourceBreaches == 0) {
          notes.add(
              String.format(
                  "%s seen outside as %s at +%d ms", p.pod(), p.seen(), ms(p.nanos() - start)));
        }
        sourceBreaches++;
      }
    }
    if (sourceBreaches > 1) {
      notes.add(sourceBreaches + " probes with a wrong source in all");
    }

    long worst = 0;
    String worstPod = "";
    for (String pod : outagePods) {
      long gap = longestGap(start, end, probes, pod, egressIP);
      if (gap > worst) {
        worst = gap;
        worstPod = pod;
      }
    }
    int outageBreaches = 0;
    if (worst > bounds.outage().toNanos()) {
      outageBreaches = 1;
      notes.add(
          String.format(
              "%s had no answer with %s for %d ms (bound %d ms)",
              worstPod, egressIP, ms(worst), bounds.outage().toMillis()));
    }

    int arpBreaches = 0;
    Map<String, List<ArpSample>> byIp = new TreeMap<>();
    for (ArpSample s : arp) {
      if (s.nanos() >= start && s.nanos() <= end) {
        byIp.computeIfAbsent(s.ip(), k -> new ArrayList<>()).add(s);
      }
    }
    for (Map.Entry<String, List<ArpSample>> e : byIp.entrySet()) {
      List<ArpSample> samples = new ArrayList<>(e.getValue());
      samples.sort(Comparator.comparingLong(ArpSample::nanos));
      int i = 0;
      while (i < samples.size()) {
        if (samples.get(i).macs().size() == 1) {
          i++;
          continue;
        }
        int first = i;
        int maxOwners = 0;
        while (i < samples.size() && samples.get(i).macs().size() != 1) {
          maxOwners = Math.max(maxOwners, samples.get(i).macs().size());
          i++;
        }
        long runEnd = i < samples.size() ? samples.get(i).nanos() : end;
        long run = runEnd - samples.get(first).nanos();
        boolean open = i == samples.size();
        if (run > bounds.settle().toNanos() || open) {
          arpBreaches++;
          notes.add(
              String.format(
                  "%s: %s for %d ms from +%d ms%s",
                  e.getKey(),
                  maxOwners == 0 ? "no ARP owner" : maxOwners + " ARP owners",
                  ms(run),
                  ms(samples.get(first).nanos() - start),
                  open ? " (still at the end of the cycle)" : ""));
        }
      }
    }
    return new Verdict(
        Duration.ofNanos(worst), arpBreaches, sourceBreaches, outageBreaches, List.copyOf(notes));
  }

  /**
   * The longest time in [start, end] the pod went without an answer with the egress IP: between two
   * such answers, from the last one before the cycle, and from the last one to the end.
   */
  static long longestGap(
      long start, long end, List<ProbeSample> probes, String pod, String egressIP) {
    long previous = start;
    long worst = 0;
    for (ProbeSample p : probes) {
      if (!p.pod().equals(pod) || !p.seen().equals(egressIP)) {
        continue;
      }
      if (p.nanos() <= start) {
        previous = p.nanos();
        continue;
      }
      if (p.nanos() > end) {
        break;
      }
      worst = Math.max(worst, p.nanos() - Math.max(previous, start));
      previous = p.nanos();
    }
    return Math.max(worst, end - Math.max(previous, start));
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}

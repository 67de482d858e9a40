package io.egressgw.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.lab.LabFlows;
import io.egressgw.lab.LabFlows.Flow;
import io.egressgw.lab.LabFlows.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The continuity tests' side of {@link LabFlows} (issue 13): starting its commands in a netns,
 * waiting for them, and asserting what "every flow survived" means.
 */
public final class ContinuityFlows {
  private ContinuityFlows() {}

  /** Starts a command in a netns, its output kept for {@link #summary}. */
  public static Process start(String netns, List<String> command) {
    try {
      return new ProcessBuilder(Sh.inNetns(netns, command.toArray(String[]::new)))
          .redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the listener listens on its TCP port. */
  public static void awaitListening(String netns, LabFlows.Ports ports) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () ->
                Sh.run(
                        5,
                        Sh.inNetns(netns, "sh", "-c", "ss -ltn | grep -q ':" + ports.tcp() + " '"))
                    .ok());
  }

  /** Waits for a client to finish and returns its flows (fails with what it printed otherwise). */
  public static List<Flow> summary(Process client, long timeoutSeconds, String who)
      throws IOException, InterruptedException {
    assertThat(client.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", who).isTrue();
    String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      return LabFlows.parse(out);
    } catch (IllegalStateException e) {
      throw new AssertionError(who + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every flow survived ({@link Outcome#broken} is empty: one source address and port, the floating
   * IP's, no reset, no error, an answer at the end) and none stalled longer than maxStallMillis.
   */
  public static void assertSurvived(
      Outcome o, String floatingIp, int expectedFlows, long maxStallMillis) {
    assertThat(o.flows()).as("flows").hasSize(expectedFlows);
    assertThat(o.sources()).as("flows seen by the listener").hasSize(expectedFlows);
    assertThat(o.broken(floatingIp)).as("broken flows (resets: %s)", o.resets()).isEmpty();
    for (Flow f : o.flows()) {
      assertThat(f.maxGapMs()).as("stall of %s", f).isLessThanOrEqualTo(maxStallMillis);
    }
  }
}

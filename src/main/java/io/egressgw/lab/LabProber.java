package io.egressgw.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Probes the outside world's echo service from inside a pod's network namespace, back to back: one
 * TCP connection per probe, and one line per probe on stdout, {@code <monotonic ns> <source seen>}
 * or {@code <monotonic ns> -} when no answer came in time. The chaos harness starts one per probed
 * pod ({@code ip netns exec <pod> java ... LabProber}) rather than a process per probe, so that
 * probing every few tens of milliseconds costs the shared machine almost nothing.
 *
 * <p>{@link System#nanoTime()} is CLOCK_MONOTONIC on Linux, the same clock as the harness's, so the
 * timestamps compare across processes. Bounded: it stops after a number of probes, a duration, or
 * when its stdin closes (the harness ended), whichever comes first.
 *
 * <pre>
 *   LabProber HOST PORT INTERVAL_MS TIMEOUT_MS MAX_PROBES MAX_SECONDS
 *   LabProber --now        (prints System.nanoTime(): the probes' clock, now)
 * </pre>
 */
public final class LabProber {
  private LabProber() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--now")) {
      System.out.println(System.nanoTime()); // the probers' clock, for a script to compare with
      return;
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    long intervalMs = Long.parseLong(args[2]);
    int timeoutMs = Integer.parseInt(args[3]);
    long maxProbes = Long.parseLong(args[4]);
    long deadline = System.nanoTime() + Long.parseLong(args[5]) * 1_000_000_000L;
    Thread stdinWatch =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // nothing: only the end of stdin matters
                }
              } catch (IOException e) {
                // the harness is gone either way
              }
              System.exit(0);
            },
            "stdin-watch");
    stdinWatch.setDaemon(true);
    stdinWatch.start();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    for (long n = 0; n < maxProbes && System.nanoTime() < deadline; n++) {
      String seen = probe(host, port, timeoutMs);
      out.println(System.nanoTime() + " " + seen);
      Thread.sleep(intervalMs);
    }
  }

  /** One TCP exchange: the source address the echo service saw, or "-" when none came in time. */
  static String probe(String host, int port, int timeoutMs) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), timeoutMs);
      socket.setSoTimeout(timeoutMs);
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String line = in.readLine();
      return line == null || line.isBlank() ? "-" : line.trim();
    } catch (IOException e) {
      return "-";
    }
  }
}

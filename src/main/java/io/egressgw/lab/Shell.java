package io.egressgw.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the lab's set-up commands (ip, nft, sysctl). The lab builds its network with the standard
 * tools, as an operator would; the agent itself programs nodes natively, never through these.
 */
final class Shell {
  private Shell() {}

  /** The result of one command. */
  record Result(int exitCode, String out, String err) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  static Result run(Duration timeout, String stdin, List<String> command) {
    try {
      Process p = new ProcessBuilder(command).start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      var out = p.getInputStream().readAllBytes();
      var err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Result(124, "", "timed out: " + String.join(" ", command));
      }
      return new Result(
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(127, "", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "", "interrupted");
    }
  }

  static Result run(String... command) {
    return run(Duration.ofSeconds(20), null, List.of(command));
  }

  /** Runs a command and fails with its stderr when it does not succeed. */
  static String must(String... command) {
    Result r = run(command);
    if (!r.ok()) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + r.err().trim());
    }
    return r.out();
  }

  /** Runs a command inside a network namespace. */
  static String mustIn(String netns, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    full.addAll(List.of(command));
    return must(full.toArray(String[]::new));
  }

  static void nft(String netns, String ruleset) {
    Result r =
        run(
            Duration.ofSeconds(20),
            ruleset,
            List.of("ip", "netns", "exec", netns, "nft", "-f", "-"));
    if (!r.ok()) {
      throw new IllegalStateException("nft in " + netns + " failed: " + r.err().trim());
    }
  }
}

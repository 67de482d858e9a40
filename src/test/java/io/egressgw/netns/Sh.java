package io.egressgw.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command with a time limit (harness only: topology building and observation). */
public final class Sh {
  private Sh() {}

  /** Exit code and combined output of one command. */
  public record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  public static Result run(long timeoutSeconds, String... cmd) {
    return runWithInput(timeoutSeconds, null, cmd);
  }

  public static Result runWithInput(long timeoutSeconds, String stdin, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      byte[][] out = new byte[1][];
      Thread reader =
          new Thread(
              () -> {
                try {
                  out[0] = p.getInputStream().readAllBytes();
                } catch (IOException e) {
                  out[0] = new byte[0];
                }
              });
      reader.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        reader.join(2000);
        return new Result(124, out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
      }
      reader.join(5000);
      return new Result(
          p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(127, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    }
  }

  /** Runs and throws with the output when the command fails. */
  public static String must(String... cmd) {
    Result r = run(30, cmd);
    if (!r.ok()) {
      throw new IllegalStateException(
          String.join(" ", cmd) + " -> " + r.exitCode() + ": " + r.output());
    }
    return r.output();
  }

  public static String mustIn(String netns, String... cmd) {
    return must(inNetns(netns, cmd));
  }

  public static String[] inNetns(String netns, String... cmd) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    all.addAll(Arrays.asList(cmd));
    return all.toArray(String[]::new);
  }
}

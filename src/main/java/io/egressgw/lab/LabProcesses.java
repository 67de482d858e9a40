package io.egressgw.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The lab's long-running processes (controller, one agent per node, the outside world's echo
 * service), started detached so that they outlive the `lab up` command, with their pid files and
 * logs in the lab folder so that later commands find them.
 */
final class LabProcesses {
  private final Path dir;
  private final Path appJar;

  LabProcesses(Path dir, Path appJar) {
    this.dir = dir;
    this.appJar = appJar;
  }

  Path appJar() {
    return appJar;
  }

  Path log(String name) {
    return dir.resolve(name + ".log");
  }

  private Path pidFile(String name) {
    return dir.resolve(name + ".pid");
  }

  /** Starts a detached process, optionally inside a network namespace, logging to name.log. */
  long start(String name, Optional<String> netns, List<String> command) throws IOException {
    List<String> full = new ArrayList<>(List.of("setsid"));
    netns.ifPresent(ns -> full.addAll(List.of("ip", "netns", "exec", ns)));
    full.addAll(command);
    Process p =
        new ProcessBuilder(full)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    Files.writeString(pidFile(name), Long.toString(p.pid()));
    return p.pid();
  }

  /**
   * The egressgw application (controller or agent role) with the given system properties; the JVM's
   * pauses (GC and other safepoints) go to {@code name}-jvm.log beside its log, so that a node that
   * went silent can be matched against them.
   */
  List<String> java(String name, List<String> properties) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "java",
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                // Class loading at start-up crosses the default metaspace threshold (about 21 MB)
                // twice, and each crossing is a full GC: 175-485 ms of silence for a just-started
                // agent, long enough to be declared Down (BENCHMARKS, "Failover in the lab").
                "-XX:MetaspaceSize=128m",
                // RequestLineGuard, not Quarkus, refuses a bad request target (problem+json).
                "-Dvertx.disableURIValidation=true"));
    cmd.add("-Xlog:gc,safepoint:file=" + dir.resolve(name + "-jvm.log") + ":time,uptime");
    cmd.addAll(properties);
    cmd.addAll(List.of("-jar", appJar.toString()));
    return cmd;
  }

  boolean alive(String name) {
    return pid(name).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
  }

  Optional<Long> pid(String name) {
    try {
      return Files.exists(pidFile(name))
          ? Optional.of(Long.parseLong(Files.readString(pidFile(name)).trim()))
          : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Sends SIGKILL to a process (setsid and `ip netns exec` exec into the JVM, so the pid is the
   * agent itself) without waiting: the moment of failure, as a crash would be.
   */
  void crash(String name) {
    pid(name).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
  }

  /**
   * Sends a signal (e.g. STOP, CONT, KILL) to a process's whole process group: every lab process is
   * started with setsid, so its group is its pid and holds the children it forks (socat's).
   */
  boolean signal(String name, String signal) {
    Optional<Long> pid =
        pid(name).filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
    return pid.isPresent() && Shell.run("kill", "-s", signal, "--", "-" + pid.get()).ok();
  }

  /** Kills a process and its children (the JVM under `ip netns exec`), then forgets it. */
  void kill(String name) {
    pid(name)
        .flatMap(ProcessHandle::of)
        .ifPresent(
            h -> {
              h.descendants().forEach(ProcessHandle::destroyForcibly);
              h.destroyForcibly();
              h.onExit()
                  .orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                  .exceptionally(e -> null)
                  .join();
            });
    try {
      Files.deleteIfExists(pidFile(name));
    } catch (IOException e) {
      // a stale pid file is harmless: the pid is checked before use
    }
  }

  /** Every process the lab folder knows of. */
  List<String> known() {
    try (var files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(f -> f.endsWith(".pid"))
          .map(f -> f.substring(0, f.length() - 4))
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}

package io.egressgw.controller;

import io.egressgw.agent.channel.AgentChannel;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated agents or a junk-token flood in a process of their own, beside a controller under test
 * (as in a cluster, where agents are processes on other nodes): launched by a test with {@link
 * #launch}, it runs until its standard input closes (the test ends or dies), so it never outlives
 * the test.
 *
 * <p>{@code agents URL PUBKEY COUNT HEARTBEAT_MS}: COUNT {@link SimulatedAgent}s (the real {@code
 * AgentChannelClient} over real HTTP) for nodes worker0.., with the tokens {@code
 * agent-token-<node>}, each on an event-loop context of its own. Prints one line per heartbeat:
 * {@code hb <node> <status> <microseconds from the heartbeat's start to its answer>}.
 *
 * <p>{@code flood URL SLOTS}: first warms its HTTP client up (asynchronous POSTs with a bearer
 * token to a path the controller does not serve, answered 404 without a review, as many at once as
 * {@link #WARM_UP_IN_FLIGHT}) and prints {@code ready}; on a line {@code go} from its standard
 * input, SLOTS junk-token requests in flight at once, each with a new token; a slot sends the next
 * as soon as it is answered 401, and waits a second after a 429 (the Retry-After the controller
 * sends). Prints {@code flood <status>=<count>... noRetryAfter=<n>} every 500 ms (cumulative
 * counts; -1 the client gave up). The warm-up keeps this JVM's own start (class loading and
 * compilation, a second of both cores of the 2-core test machines) out of the flood: it once
 * stalled every heartbeat for that second, which measured the machine, not the controller.
 */
public final class AgentsAndFloodProcess {
  private AgentsAndFloodProcess() {}

  /** Requests that warm the flood's client up before the flood starts. */
  private static final int WARM_UP_REQUESTS = 200;

  /** Warm-up requests in flight at once (connections opened before the flood). */
  private static final int WARM_UP_IN_FLIGHT = 20;

  /** Starts this main with the test's classpath and a small heap of its own. */
  public static Process launch(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx128m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dorg.jboss.logging.provider=jdk");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(AgentsAndFloodProcess.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  public static void main(String[] args) throws Exception {
    PrintStream out =
        new PrintStream(
            new BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
    Runnable stop;
    if (args[0].equals("agents")) {
      stop = agents(out, args[1], Path.of(args[2]), Integer.parseInt(args[3]), args[4]);
    } else {
      stop = flood(out, args[1], Integer.parseInt(args[2]));
    }
    var flusher = Executors.newSingleThreadScheduledExecutor();
    var unusedFlusher =
        flusher.scheduleAtFixedRate(
            () -> {
              synchronized (out) {
                out.flush();
              }
            },
            50,
            50,
            TimeUnit.MILLISECONDS);
    // Runs until the test closes this process's standard input (or dies).
    while (System.in.read() >= 0) {
      // nothing to read: the test writes nothing
    }
    stop.run();
    synchronized (out) {
      out.flush();
    }
    System.exit(0);
  }

  private static Runnable agents(
      PrintStream out, String url, Path publicKey, int count, String heartbeatMillis)
      throws Exception {
    Duration heartbeat = Duration.ofMillis(Long.parseLong(heartbeatMillis));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2));
    ExecutorService appliers = Executors.newSingleThreadExecutor();
    List<SimulatedAgent> agents = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String node = "worker" + i;
      String ip = "10.0." + (i / 200) + "." + (i % 200 + 1);
      SimulatedAgent agent = new SimulatedAgent(node, ip, ip + "/16");
      agents.add(agent);
      vertx
          .deployVerticle(
              new AbstractVerticle() {
                @Override
                public void start() {
                  agent.startObserved(
                      vertx,
                      url,
                      () -> "agent-token-" + node,
                      AgentChannel.publicKeyFile(publicKey),
                      heartbeat,
                      appliers,
                      (status, nanos) -> {
                        synchronized (out) {
                          out.append("hb ")
                              .append(node)
                              .append(' ')
                              .append(String.valueOf(status))
                              .append(' ')
                              .append(String.valueOf(nanos / 1000))
                              .append('\n');
                        }
                      });
                }
              })
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    }
    return () -> {
      agents.forEach(SimulatedAgent::kill);
      appliers.shutdownNow();
    };
  }

  private static Runnable flood(PrintStream out, String url, int slots) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int round = 0; round < WARM_UP_REQUESTS / WARM_UP_IN_FLIGHT; round++) {
      List<CompletableFuture<HttpResponse<Void>>> inFlight = new ArrayList<>();
      for (int i = 0; i < WARM_UP_IN_FLIGHT; i++) {
        inFlight.add(
            http.sendAsync(
                HttpRequest.newBuilder(URI.create(url + "/egw-flood-warm-up"))
                    .header("Authorization", "Bearer warm-up")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.discarding()));
      }
      CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
    synchronized (out) {
      out.append("ready\n").flush();
    }
    String command =
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
            .readLine();
    if (!"go".equals(command)) {
      return () -> {};
    }
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicLong junk = new AtomicLong();
    AtomicInteger noRetryAfter = new AtomicInteger();
    Runnable[] send = new Runnable[1];
    send[0] =
        () -> {
          HttpRequest request =
              HttpRequest.newBuilder(URI.create(url + "/v1/agents/worker0/heartbeat"))
                  .header("Authorization", "Bearer junk-" + junk.incrementAndGet())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .timeout(Duration.ofSeconds(30))
                  .build();
          var unused =
              http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                  .whenComplete(
                      (r, e) -> {
                        int status = r == null ? -1 : r.statusCode();
                        statuses
                            .computeIfAbsent(status, k -> new AtomicInteger())
                            .incrementAndGet();
                        if (status == 429 && r.headers().firstValue("Retry-After").isEmpty()) {
                          noRetryAfter.incrementAndGet();
                        }
                        CompletableFuture.delayedExecutor(
                                status == 429 ? 1000 : 0, TimeUnit.MILLISECONDS)
                            .execute(send[0]);
                      });
        };
    // The slots start 10 ms apart: a steady flood, not all connections opened in one instant.
    for (int f = 0; f < slots; f++) {
      CompletableFuture.delayedExecutor(10L * f, TimeUnit.MILLISECONDS).execute(send[0]);
    }
    Runnable report =
        () -> {
          StringBuilder line = new StringBuilder("flood");
          new TreeMap<>(statuses)
              .forEach((s, n) -> line.append(' ').append(s).append('=').append(n));
          line.append(" noRetryAfter=").append(noRetryAfter.get()).append('\n');
          synchronized (out) {
            out.append(line);
          }
        };
    var reporter = Executors.newSingleThreadScheduledExecutor();
    var unusedReporter = reporter.scheduleAtFixedRate(report, 500, 500, TimeUnit.MILLISECONDS);
    return () -> {
      reporter.shutdownNow();
      report.run();
    };
  }
}

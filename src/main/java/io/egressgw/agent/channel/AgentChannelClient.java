package io.egressgw.agent.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.program.HeartbeatResponse;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.egressgw.program.ProgramDelta;
import io.egressgw.program.ProgramKeySet;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.program.SignedProgram;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The agent's half of the channel: heartbeats a {@link NodeReport} every interval, long-polls the
 * controller for programs, verifies each program's signature and hands it to the {@link
 * ProgramApplier}. The agent opens no port: every exchange is a request it makes.
 *
 * <p>Failure semantics (fail static): while the controller is unreachable (errors, or 503 from a
 * replica that does not lead), for however long, the node keeps what it has, floating IPs included.
 * It gives a floating IP up only when it knows another node took it: a newer program without it, or
 * the new holder's gratuitous ARP (the dataplane yields on its own). A heartbeat answer naming the
 * generation this node applied confirms its program, which takes floating IPs whose lease lapsed (a
 * pause, a restart) again. While no controller answers, a lapsed lease that no other host claimed
 * is taken again at the next failed heartbeat: a stall of the agent alone does not silence an IP.
 *
 * <p>Planned hand-over ({@link #handOver}, on SIGTERM): from then on every heartbeat says draining,
 * the controller gives the node's floating IPs to their standbys, and the caller waits, bounded,
 * until a program without floating IPs is applied before the process exits.
 *
 * <p>Conntrack replication ({@link #replicateWith}): as a floating IP's primary the agent posts
 * batches to the controller's relay ({@link #postReplication}); as a standby it long-polls the
 * relay for the batches of the IPs its program says it stands by for.
 */
public final class AgentChannelClient {
  private static final Logger LOG = Logger.getLogger(AgentChannelClient.class);

  private final Vertx vertx;
  private final ControllerEndpoint endpoint;
  private final String node;
  private final Supplier<String> token;

  /** The published program-signing keys; by default the one key of {@code controllerKey}. */
  private volatile Supplier<ProgramKeySet> controllerKeys;

  private final ProgramApplier applier;
  private final Duration heartbeatInterval;
  private final Duration pollTimeout;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();
  private final String agentId = UUID.randomUUID().toString();
  private final HttpClient http;
  private final ExecutorService applierThread;
  private final boolean ownsApplierThread;

  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
  private final AtomicLong lastContactMillis = new AtomicLong();
  private final AtomicLong heartbeatsAccepted = new AtomicLong();
  private final AtomicLong programsApplied = new AtomicLong();
  private final AtomicLong programsRejected = new AtomicLong();
  private final AtomicLong deltasReceived = new AtomicLong();
  private final AtomicLong reportsFromCache = new AtomicLong();
  private volatile NodeReport lastReport;
  private volatile int lastProgramBytes;
  private volatile int lastHeartbeatStatus;
  private volatile java.util.function.BiConsumer<Integer, Long> heartbeatObserver = (s, n) -> {};
  private volatile boolean heartbeatMissed;
  private volatile long lastAcceptedGeneration;
  private volatile boolean draining;
  private volatile ReplicationPeer replication;
  private ExecutorService replicationThread;
  private final AtomicLong replicationPosts = new AtomicLong();
  private final AtomicLong replicationRefusals = new AtomicLong();
  private volatile CompletableFuture<Void> handedOver;

  /** The last program applied in full (deltas apply to it); null after a restart or a bad delta. */
  private volatile NodeProgram current;

  private long timerId = -1;
  private long trustTimerId = -1;
  private volatile io.vertx.core.Context context;

  /** How often the CA bundle file is re-read (a CA rotation; kubelet updates the mount). */
  static final Duration TRUST_RELOAD_INTERVAL = Duration.ofSeconds(30);

  private final HttpClientOptions httpOptions;
  private final String caFile;
  private volatile String trustedBundle;

  /**
   * {@code caFile}: trust for an https controller URL (null: the JVM's). {@code applierExecutor},
   * when given, runs the applier calls instead of a thread of this client's own (simulations with
   * many agents in one process share one); it must run one agent's calls in order for a real
   * dataplane.
   */
  public AgentChannelClient(
      Vertx vertx,
      ControllerEndpoint endpoint,
      String node,
      Supplier<String> token,
      Supplier<PublicKey> controllerKey,
      ProgramApplier applier,
      Duration heartbeatInterval,
      Duration pollTimeout,
      Clock clock,
      String caFile,
      ExecutorService applierExecutor) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.node = node;
    this.token = token;
    this.controllerKeys = () -> ProgramKeySet.of(controllerKey.get());
    this.applier = applier;
    this.heartbeatInterval = heartbeatInterval;
    this.pollTimeout = pollTimeout;
    this.clock = clock;
    HttpClientOptions options =
        new HttpClientOptions()
            .setMaxPoolSize(4)
            .setSsl(endpoint.ssl())
            .setDefaultHost(endpoint.host());
    if (endpoint.ssl() && caFile != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(caFile));
      this.trustedBundle = readQuietly(caFile);
    }
    this.httpOptions = options;
    this.caFile = endpoint.ssl() ? caFile : null;
    this.http = vertx.createHttpClient(options);
    this.ownsApplierThread = applierExecutor == null;
    this.applierThread =
        applierExecutor != null
            ? applierExecutor
            : Executors.newSingleThreadExecutor(
                r -> {
                  Thread t = new Thread(r, "egw-applier-" + node);
                  t.setDaemon(true);
                  return t;
                });
  }

  /**
   * Verifies programs against {@code keys}, the published set (several keys while the signing key
   * rotates), instead of the single key given to the constructor. Call before {@link #start()}.
   */
  public AgentChannelClient trustingKeys(Supplier<ProgramKeySet> keys) {
    this.controllerKeys = keys;
    return this;
  }

  public void start() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    context = vertx.getOrCreateContext();
    // The floor against replay survives a restart: the generation pinned in the node's maps.
    lastAcceptedGeneration = applier.appliedGeneration();
    lastContactMillis.set(clock.millis());
    timerId = vertx.setPeriodic(0, Math.max(1, heartbeatInterval.toMillis()), id -> tick());
    if (caFile != null) {
      trustTimerId =
          vertx.setPeriodic(
              TRUST_RELOAD_INTERVAL.toMillis(),
              id -> {
                var unused = reloadTrust();
              });
    }
    poll();
  }

  /**
   * Re-reads the CA bundle file and, when it changed, verifies new connections against it (issue
   * 15: during a CA rotation the file holds the old and the new CA); open connections keep going.
   * Completes with whether the trust changed. Runs every {@link #TRUST_RELOAD_INTERVAL}.
   */
  public Future<Boolean> reloadTrust() {
    String bundle = caFile == null ? null : readQuietly(caFile);
    if (bundle == null || bundle.equals(trustedBundle)) {
      return Future.succeededFuture(false);
    }
    trustedBundle = bundle;
    SSLOptions ssl =
        new SSLOptions()
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(bundle)))
            .setEnabledSecureTransportProtocols(httpOptions.getEnabledSecureTransportProtocols())
            .setUseAlpn(httpOptions.isUseAlpn());
    LOG.infof("%s: the controller's CA bundle changed; new connections trust it", node);
    return http.updateSSLOptions(ssl);
  }

  private static String readQuietly(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      LOG.warnf("cannot read the CA bundle %s: %s", file, e.toString());
      return null;
    }
  }

  public void stop() {
    if (!running.compareAndSet(true, false)) {
      return;
    }
    vertx.cancelTimer(timerId);
    vertx.cancelTimer(trustTimerId);
    http.close();
    if (replicationThread != null) {
      replicationThread.shutdownNow();
    }
    if (ownsApplierThread) {
      applierThread.shutdownNow();
    }
  }

  public String agentId() {
    return agentId;
  }

  /**
   * Starts conntrack replication over the channel: heartbeat answers asking for full dumps go to
   * peer, and a long-poll loop hands the batches the relay queued for this node to it.
   */
  public void replicateWith(ReplicationPeer peer) {
    replication = peer;
    replicationThread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "egw-replication-in-" + node);
              t.setDaemon(true);
              return t;
            });
    context.runOnContext(v -> pollReplication());
  }

  /**
   * Posts one replication batch (a JSON object of at most 64 KiB) to the relay and waits for the
   * answer, at most a few seconds: the HTTP status, or -1 when the controller was not reached.
   * Blocks: called from the replication's sender thread, never the event loop.
   */
  public int postReplication(byte[] batch) {
    if (!running.get()) {
      return -1;
    }
    try {
      int status =
          send(
                  HttpMethod.POST,
                  "/v1/agents/" + node + "/replication",
                  batch,
                  heartbeatInterval.toMillis() * 20)
              .map(Reply::status)
              .toCompletionStage()
              .toCompletableFuture()
              .get(5, java.util.concurrent.TimeUnit.SECONDS);
      replicationPosts.incrementAndGet();
      if (status == 403) {
        replicationRefusals.incrementAndGet();
      }
      return status;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.debugf("replication batch of %s not posted: %s", node, e.toString());
      return -1;
    }
  }

  /** Replication batches the relay refused (this node did not hold the IP). */
  public long replicationRefusals() {
    return replicationRefusals.get();
  }

  private void pollReplication() {
    ReplicationPeer peer = replication;
    if (!running.get() || peer == null) {
      return;
    }
    long wait = 20_000;
    send(HttpMethod.GET, "/v1/agents/" + node + "/replication?wait=" + wait, null, wait + 10_000)
        .compose(
            reply -> {
              if (reply.status() == 200) {
                CompletableFuture<Long> installed = new CompletableFuture<>();
                byte[] body = reply.body().getBytes();
                replicationThread.execute(
                    () -> {
                      try {
                        peer.received(body);
                      } catch (RuntimeException e) {
                        LOG.warnf("replication batches for %s not installed: %s", node, e);
                      }
                      installed.complete(0L);
                    });
                return Future.fromCompletionStage(installed, context);
              }
              return Future.succeededFuture(reply.status() == 204 ? 0L : pollDelay());
            })
        .recover(e -> Future.succeededFuture(pollDelay()))
        .onSuccess(
            delay -> {
              if (delay == 0) {
                vertx.runOnContext(v -> pollReplication());
              } else {
                vertx.setTimer(delay, id -> pollReplication());
              }
            });
  }

  private long pollDelay() {
    return Math.max(1, heartbeatInterval.toMillis());
  }

  public String node() {
    return node;
  }

  /** Programs that arrived as a delta against the one held (see {@link ProgramDelta}). */
  public long deltasReceived() {
    return deltasReceived.get();
  }

  /** Size in bytes of the last program answer (signed payload, base64, JSON). */
  public int lastProgramBytes() {
    return lastProgramBytes;
  }

  public long heartbeatsAccepted() {
    return heartbeatsAccepted.get();
  }

  /**
   * Called on the client's context after every heartbeat with its HTTP status (-1: transport error
   * or timeout) and the nanoseconds from the heartbeat's start to its answer (simulations measure
   * heartbeat timing with it). Call before {@link #start()}.
   */
  public AgentChannelClient observeHeartbeats(
      java.util.function.BiConsumer<Integer, Long> observer) {
    this.heartbeatObserver = observer;
    return this;
  }

  /** HTTP status of the last heartbeat answer (0 before the first, -1 on a transport error). */
  public int lastHeartbeatStatus() {
    return lastHeartbeatStatus;
  }

  public long programsApplied() {
    return programsApplied.get();
  }

  /**
   * Programs refused: bad or missing signature, not bound to the poll they answered, addressed to
   * another node, or not newer than the one applied.
   */
  public long programsRejected() {
    return programsRejected.get();
  }

  /** Milliseconds since the controller last accepted a heartbeat (or since start). */
  public long silentForMillis() {
    return clock.millis() - lastContactMillis.get();
  }

  /**
   * Hands this node's floating IPs over before the agent exits: reports draining in every heartbeat
   * from now on and blocks until a program without floating IPs is applied, at most {@code max}.
   * Returns at once when the node holds none or the last heartbeat was not accepted (no controller
   * to hand over to). True when nothing is held any more.
   */
  public boolean handOver(Duration max) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    handedOver = done;
    draining = true;
    if (holdsNoFloatingIP()) {
      return true;
    }
    if (!running.get() || lastHeartbeatStatus != 200) {
      LOG.warnf("%s exits holding floating IPs: the controller is not reachable", node);
      return false;
    }
    context.runOnContext(v -> heartbeatNow());
    try {
      done.get(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warnf("%s exits holding floating IPs: no program without them within %s", node, max);
    }
    return holdsNoFloatingIP();
  }

  /** True once {@link #handOver} began: heartbeats say draining. */
  public boolean draining() {
    return draining;
  }

  /** What the dataplane holds (not the program of this process: a restart has none yet). */
  private boolean holdsNoFloatingIP() {
    return applier.heldFloatingIPs().isEmpty();
  }

  private void tick() {
    if (!running.get()) {
      return;
    }
    heartbeatNow();
  }

  /** Sends a heartbeat now, or right after the one in flight. */
  private void heartbeatNow() {
    if (heartbeatInFlight.compareAndSet(false, true)) {
      sendHeartbeat();
    } else {
      // A slow answer must not stretch the gap between heartbeats: send as soon as it arrives.
      heartbeatMissed = true;
    }
  }

  private void sendHeartbeat() {
    heartbeat()
        .onComplete(
            ar -> {
              if (heartbeatMissed && running.get()) {
                heartbeatMissed = false;
                sendHeartbeat();
              } else {
                heartbeatInFlight.set(false);
              }
            });
  }

  /**
   * The report for the next heartbeat: a fresh one from the applier thread, or, when that thread is
   * still busy after half an interval (a long apply, e.g. waiting for a gateway's neighbour), the
   * last report sent. A busy agent is alive: its heartbeats must not stop (BENCHMARKS "Failover in
   * the lab": a 300 ms apply made a node Down for a moment and its IP moved twice).
   */
  private Future<NodeReport> nextReport() {
    Future<NodeReport> fresh = onApplier(this::report).onSuccess(r -> lastReport = r);
    NodeReport previous = lastReport;
    if (previous == null) {
      return fresh;
    }
    io.vertx.core.Promise<NodeReport> first = io.vertx.core.Promise.promise();
    long timer =
        vertx.setTimer(
            Math.max(1, heartbeatInterval.toMillis() / 2),
            id -> {
              if (first.tryComplete(previous)) {
                reportsFromCache.incrementAndGet();
              }
            });
    fresh.onComplete(
        ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            first.tryComplete(ar.result());
          } else {
            first.tryFail(ar.cause());
          }
        });
    return first.future();
  }

  /** Heartbeats sent with the last report because the applier thread was busy. */
  public long reportsFromCache() {
    return reportsFromCache.get();
  }

  private Future<Void> heartbeat() {
    // taken before the report: a confirmation extends leases no further than lease + this moment
    long sentAt = System.nanoTime();
    return nextReport()
        .recover(e -> Future.failedFuture(new LocalFailure(e)))
        .compose(
            report -> {
              try {
                return send(
                    HttpMethod.POST,
                    "/v1/agents/" + node + "/heartbeat",
                    json.writeValueAsBytes(report),
                    heartbeatInterval.toMillis() * 5);
              } catch (Exception e) {
                return Future.failedFuture(new LocalFailure(e));
              }
            })
        .map(
            reply -> {
              lastHeartbeatStatus = reply.status();
              heartbeatObserver.accept(reply.status(), System.nanoTime() - sentAt);
              if (reply.status() != 503) {
                lastAnsweredSentAt.accumulateAndGet(sentAt, Math::max);
              }
              if (reply.status() == 200) {
                lastContactMillis.set(clock.millis());
                heartbeatsAccepted.incrementAndGet();
                confirmIfCurrent(reply.body(), sentAt);
              } else {
                LOG.debugf("heartbeat of %s answered %d", node, reply.status());
                if (reply.status() == 503) {
                  unanswered(sentAt); // a replica that does not lead, or none: no leader to ask
                }
              }
              return (Void) null;
            })
        .recover(
            e -> {
              lastHeartbeatStatus = -1;
              heartbeatObserver.accept(-1, System.nanoTime() - sentAt);
              LOG.debugf("heartbeat of %s failed: %s", node, e.toString());
              if (!(e instanceof LocalFailure) && !(e instanceof javax.net.ssl.SSLException)) {
                unanswered(sentAt); // no connection, or no answer in time: no leader reached
              }
              return Future.succeededFuture();
            });
  }

  /**
   * No controller answered the heartbeat sent at {@code sentAt}: nobody can confirm this node's
   * floating IPs nor move them, so those whose lease lapsed while the agent stalled are kept (fail
   * static, {@link ProgramApplier#keepFloatingIPsUnconfirmed}). At most one such call waits for the
   * applier thread at a time.
   */
  private void unanswered(long sentAt) {
    if (!keepQueued.compareAndSet(false, true)) {
      return;
    }
    var unused =
        onApplier(
                () -> {
                  keepQueued.set(false);
                  // a heartbeat sent since got an answer: the controller decides, not this one
                  if (lastAnsweredSentAt.get() > sentAt) {
                    return List.<String>of();
                  }
                  return applier.keepFloatingIPsUnconfirmed(sentAt);
                })
            .onFailure(e -> keepQueued.set(false));
  }

  private final AtomicBoolean keepQueued = new AtomicBoolean();

  /**
   * System.nanoTime() at which the last heartbeat that a leader (or a refusal) answered was sent.
   */
  private final AtomicLong lastAnsweredSentAt = new AtomicLong(Long.MIN_VALUE);

  /** A heartbeat that failed here, before it was sent (its report): no news of the controller. */
  private static final class LocalFailure extends Exception {
    private static final long serialVersionUID = 1L;

    LocalFailure(Throwable cause) {
      super(cause);
    }
  }

  /**
   * The controller named the node's current generation: when it is the one applied here, the
   * program (and every floating IP in it) is confirmed.
   */
  private void confirmIfCurrent(Buffer body, long sentAtNanos) {
    HeartbeatResponse answer;
    try {
      answer = json.readValue(body.getBytes(), HeartbeatResponse.class);
    } catch (Exception e) {
      return; // an older controller: no confirmation, leases lapse only on a pause anyway
    }
    ReplicationPeer peer = replication;
    if (peer != null && !answer.resync().isEmpty()) {
      List<String> ips = answer.resync();
      replicationThread.execute(() -> peer.resync(ips));
    }
    long current = answer.programGeneration();
    if (current > 0) {
      var unused =
          onApplier(
              () -> {
                if (current != applier.appliedGeneration()) {
                  return java.util.List.of();
                }
                if (!answer.reclaim().isEmpty()) {
                  applier.reclaimFloatingIPs(answer.reclaim(), sentAtNanos);
                }
                return applier.confirmFloatingIPs(sentAtNanos);
              });
    }
  }

  private NodeReport report() {
    long lease = applier.leaseMillis();
    return new NodeReport(
        node,
        agentId,
        applier.nodeIP(),
        applier.subnets(),
        applier.appliedGeneration(),
        applier.heldFloatingIPs(),
        applier.counters(),
        applier.guardDrops(),
        applier.drops(),
        applier.applyError(),
        applier.floatingIpClaims(),
        // should this process die right after sending this report: its last lease renewal is at
        // most one heartbeat interval later, and the lease runs that much longer
        lease == 0 ? 0 : lease + heartbeatInterval.toMillis(),
        draining,
        applier.replicaReady(),
        !applier.uplinkUp());
  }

  private void poll() {
    if (!running.get()) {
      return;
    }
    long after = applier.appliedGeneration();
    NodeProgram held = current;
    // base=G: "I hold program G, a delta against it will do" (only for the program applied last).
    String base = held != null && held.generation() == after ? "&base=" + after : "";
    // A fresh nonce per poll: the answer must be signed bound to it, so only this poll's answer
    // is ever applied (a recorded program replayed later is refused whatever its generation).
    String nonce = ProgramSignatures.newNonce();
    send(
            HttpMethod.GET,
            "/v1/agents/" + node + "/program?after=" + after + base + "&nonce=" + nonce,
            null,
            pollTimeout.toMillis())
        .compose(
            reply -> {
              if (reply.status() == 200) {
                return accept(reply.body(), nonce).map(v -> 0L);
              }
              if (reply.status() == 204) {
                return Future.succeededFuture(0L);
              }
              LOG.debugf("program poll of %s answered %d", node, reply.status());
              return Future.succeededFuture(heartbeatInterval.toMillis());
            })
        .recover(
            e -> {
              LOG.debugf("program poll of %s failed: %s", node, e.toString());
              return Future.succeededFuture(heartbeatInterval.toMillis());
            })
        .onSuccess(
            delay -> {
              if (delay == 0) {
                vertx.runOnContext(v -> poll());
              } else {
                vertx.setTimer(delay, id -> poll());
              }
            });
  }

  /**
   * Verifies and applies one program, the answer to the poll that sent {@code nonce}; a rejected
   * program is counted and pauses polling briefly. Rejection never touches what the node has: it
   * keeps forwarding with the program it applied last (fail static).
   */
  private Future<Void> accept(Buffer body, String nonce) {
    NodeProgram program;
    ProgramDelta received = null;
    try {
      lastProgramBytes = body.length();
      SignedProgram signed = json.readValue(body.getBytes(), SignedProgram.class);
      ProgramKeySet keys = controllerKeys.get();
      if (keys == null || keys.isEmpty()) {
        throw new SecurityException("controller public key not available yet");
      }
      com.fasterxml.jackson.databind.JsonNode tree =
          json.readTree(ProgramSignatures.verifyBound(signed, nonce, keys));
      if (tree.has("baseGeneration")) {
        ProgramDelta delta = json.treeToValue(tree, ProgramDelta.class);
        NodeProgram held = current;
        if (held == null || held.generation() != delta.baseGeneration()) {
          current = null; // ask for the full program next time
          throw new IllegalStateException(
              "delta against generation "
                  + delta.baseGeneration()
                  + " but this agent holds "
                  + (held == null ? "none" : held.generation()));
        }
        program = delta.applyTo(held);
        received = delta;
        deltasReceived.incrementAndGet();
      } else {
        // persistent sources: the deltas that follow then cost what they change (ProgramDelta)
        program = json.treeToValue(tree, NodeProgram.class).withPersistentSources();
      }
      if (!node.equals(program.node())) {
        throw new SecurityException("program for node " + program.node() + " sent to " + node);
      }
      // Never the applied generation or below: a replayed (older, validly signed) program.
      long floor = lastAcceptedGeneration;
      if (program.generation() <= floor) {
        throw new SecurityException(
            "stale program generation " + program.generation() + " (applied: " + floor + ")");
      }
    } catch (Exception e) {
      programsRejected.incrementAndGet();
      LOG.warnf("rejected a program for %s: %s", node, e.getMessage());
      return Future.failedFuture(e);
    }
    NodeProgram verified = program;
    ProgramDelta verifiedDelta = received;
    return onApplier(
            () -> {
              applier.apply(verified, verifiedDelta);
              return null;
            })
        .map(
            v -> {
              lastAcceptedGeneration = verified.generation();
              current = verified;
              programsApplied.incrementAndGet();
              CompletableFuture<Void> waiting = handedOver;
              if (waiting != null && verified.floatingIPs().isEmpty()) {
                waiting.complete(null);
              }
              // The next poll asks for what comes after this generation: that is the
              // acknowledgement.
              return (Void) null;
            });
  }

  private record Reply(int status, Buffer body) {}

  private Future<Reply> send(HttpMethod method, String uri, byte[] body, long timeoutMillis) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setServer(endpoint.server())
            .setHost(endpoint.host())
            .setPort(endpoint.port())
            .setSsl(endpoint.ssl())
            .setURI(uri)
            .setConnectTimeout(Math.max(1000, heartbeatInterval.toMillis() * 10))
            .setIdleTimeout(timeoutMillis)
            .putHeader("Authorization", "Bearer " + token.get())
            .putHeader("Accept", "application/json");
    if (body != null) {
      options.putHeader("Content-Type", "application/json");
    }
    return http.request(options)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(
            resp ->
                resp.body()
                    .map(
                        b -> {
                          if (resp.statusCode() == 503) {
                            // A replica that does not lead: the next request opens a new
                            // connection, which the leader-only Service routes to the leader.
                            var unused = resp.request().connection().close();
                          }
                          return new Reply(resp.statusCode(), b);
                        }));
  }

  private <T> Future<T> onApplier(java.util.concurrent.Callable<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      applierThread.execute(
          () -> {
            try {
              f.complete(work.call());
            } catch (Throwable t) {
              f.completeExceptionally(t);
            }
          });
    } catch (RuntimeException rejected) {
      f.completeExceptionally(rejected);
    }
    return Future.fromCompletionStage(f, context);
  }
}

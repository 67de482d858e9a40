package io.egressgw.agent.channel;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.controller.SimulatedAgent;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.testing.ManualClock;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's channel client against a stand-in controller on a Unix socket: it applies programs
 * signed with the controller's key and bound to the poll they answer only; it keeps its floating
 * IPs however long the controller is unreachable (fail static, measured on a clock the test moves
 * by hand); and a heartbeat answer naming the generation it applied confirms its program.
 */
class AgentChannelClientTest {
  /** How long an eventual outcome may take on a loaded machine; no assertion is about speed. */
  private static final Duration EVENTUALLY = Duration.ofSeconds(20);

  private final ObjectMapper json = new ObjectMapper();
  private final KeyPair controllerKey = ProgramSignatures.generate();
  private final KeyPair attackerKey = ProgramSignatures.generate();
  private Vertx vertx;
  private HttpServer server;
  private Path socket;
  private final AtomicReference<KeyPair> servingKey = new AtomicReference<>();
  private final AtomicInteger heartbeatStatus = new AtomicInteger(200);
  private final AtomicReference<String> lastAuthorization = new AtomicReference<>();
  private final AtomicInteger heartbeatsReceived = new AtomicInteger();
  private final AtomicInteger currentGeneration = new AtomicInteger(7);
  private final AtomicInteger servedGeneration = new AtomicInteger(7);
  private final AtomicReference<String> reclaim = new AtomicReference<>("");
  private final java.util.Set<Object> connections =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** How the stand-in controller signs program answers. */
  private enum Signing {
    /** bound to the poll's nonce, as the controller does */
    BOUND,
    /** the payload alone, as before programs were bound to polls */
    PLAIN,
    /**
     * an answer recorded from an earlier poll (dropped in transit then) and delivered to every
     * later poll: what an attacker on the path can do
     */
    REPLAYED
  }

  private final AtomicReference<Signing> signing = new AtomicReference<>(Signing.BOUND);
  private final AtomicReference<String> recorded = new AtomicReference<>();

  @BeforeEach
  void fakeController() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    assertTrue(
        vertx.isNativeTransportEnabled(), "epoll native transport is needed for Unix sockets");
    socket =
        Files.createTempDirectory(Path.of("target"), "agent-channel")
            .toAbsolutePath()
            .resolve("c.sock");
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  lastAuthorization.set(req.getHeader("Authorization"));
                  connections.add(req.connection());
                  if (req.path().endsWith("/heartbeat")) {
                    heartbeatsReceived.incrementAndGet();
                  }
                  if (heartbeatStatus.get() != 200) {
                    // A replica that does not lead answers every agent request with 503.
                    req.response().setStatusCode(heartbeatStatus.get()).end();
                  } else if (req.path().endsWith("/heartbeat")) {
                    req.response()
                        .setStatusCode(200)
                        .end(
                            "{\"programGeneration\":"
                                + currentGeneration.get()
                                + ",\"reclaim\":["
                                + reclaim.get()
                                + "]}");
                  } else if (req.path().endsWith("/program")
                      && servingKey.get() != null
                      && Long.parseLong(req.getParam("after")) != servedGeneration.get()) {
                    try {
                      NodeProgram program =
                          new NodeProgram(
                              "node-a",
                              servedGeneration.get(),
                              Map.of(),
                              Map.of(),
                              Map.of(),
                              List.of("192.168.1.100"));
                      byte[] payload = json.writeValueAsBytes(program);
                      var key = servingKey.get().getPrivate();
                      String answer =
                          switch (signing.get()) {
                            case BOUND ->
                                json.writeValueAsString(
                                    ProgramSignatures.signBound(
                                        payload, req.getParam("nonce"), key));
                            case PLAIN ->
                                json.writeValueAsString(ProgramSignatures.sign(payload, key));
                            case REPLAYED -> recorded.get();
                          };
                      if (answer == null) {
                        // The first poll in replay mode: its answer is recorded and never arrives.
                        recorded.set(
                            json.writeValueAsString(
                                ProgramSignatures.signBound(payload, req.getParam("nonce"), key)));
                        req.response().setStatusCode(204).end();
                        return;
                      }
                      req.response().putHeader("Content-Type", "application/json").end(answer);
                    } catch (Exception e) {
                      req.response().setStatusCode(500).end();
                    }
                  } else {
                    vertx.setTimer(200, id -> req.response().setStatusCode(204).end());
                  }
                });
    server
        .listen(SocketAddress.domainSocketAddress(socket.toString()))
        .toCompletionStage()
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    Files.deleteIfExists(socket);
  }

  private SimulatedAgent agent() {
    return agent(Clock.systemUTC());
  }

  private SimulatedAgent agent(Clock clock) {
    return new SimulatedAgent("node-a", "192.168.1.11", "192.168.1.11/24")
        .start(
            vertx,
            "unix:" + socket,
            () -> "node-a.token",
            controllerKey::getPublic,
            Duration.ofMillis(50),
            null,
            clock);
  }

  /**
   * Returns once the agent has run at least one tick after this call: heartbeats go one at a time,
   * so the third heartbeat the controller receives from now on was sent by a tick that started
   * after this call.
   */
  private void awaitTicksFromNow() {
    int from = heartbeatsReceived.get();
    await().atMost(EVENTUALLY).until(() -> heartbeatsReceived.get() >= from + 3);
  }

  @Test
  void appliesAProgramSignedByTheController() {
    servingKey.set(controllerKey);
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.last() != null);
    assertEquals(List.of("192.168.1.100"), agent.last().floatingIPs());
    assertEquals(7, agent.appliedGeneration());
    assertEquals(0, agent.client().programsRejected());
    assertEquals("Bearer node-a.token", lastAuthorization.get());
    agent.kill();
  }

  @Test
  void rejectsAForgedProgram() {
    servingKey.set(attackerKey);
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.client().programsRejected() >= 2);
    assertTrue(agent.applied().isEmpty(), "a program not signed by the controller was applied");
    agent.kill();
  }

  /**
   * Replay after a restart (issue 15): the node's maps hold generation 9 from the previous agent
   * process; an older program, validly signed (here generation 7), is refused, not applied.
   */
  @Test
  void aRestartedAgentRefusesAProgramOlderThanThePinnedOne() {
    servingKey.set(controllerKey);
    SimulatedAgent agent =
        new SimulatedAgent("node-a", "192.168.1.11", "192.168.1.11/24")
            .pinned(9)
            .start(
                vertx,
                "unix:" + socket,
                () -> "node-a.token",
                controllerKey::getPublic,
                Duration.ofMillis(50),
                null,
                Clock.systemUTC());

    await().atMost(EVENTUALLY).until(() -> agent.client().programsRejected() >= 2);

    assertTrue(agent.applied().isEmpty(), "an older program was applied over the pinned one");
    assertEquals(9, agent.appliedGeneration());
    agent.kill();
  }

  @Test
  void keepsFloatingIPsHoweverLongTheControllerIsUnreachable() {
    // Arrange: the agent's clock stands still at 12:00 until moved.
    ManualClock clock = new ManualClock(Instant.parse("2026-11-30T12:00:00Z"));
    servingKey.set(controllerKey);
    SimulatedAgent agent = agent(clock);
    await().atMost(EVENTUALLY).until(() -> agent.last() != null);
    // The controller stops answering usefully (a replica that does not lead answers 503).
    heartbeatStatus.set(503);
    await().atMost(EVENTUALLY).until(() -> agent.client().lastHeartbeatStatus() == 503);

    // Act: a day passes without a successful heartbeat (the old 15 s hold-timeout many times over).
    clock.advance(Duration.ofDays(1));
    awaitTicksFromNow();

    // Assert: the node keeps its program and its floating IPs (fail static).
    assertTrue(agent.client().silentForMillis() >= Duration.ofDays(1).toMillis());
    assertEquals(List.of("192.168.1.100"), agent.heldFloatingIPs());
    assertEquals(1, agent.applied().size(), "nothing applied while the controller was away");
    heartbeatStatus.set(200);
    await().atMost(EVENTUALLY).until(() -> agent.client().lastHeartbeatStatus() == 200);
    assertEquals(List.of("192.168.1.100"), agent.heldFloatingIPs());
    agent.kill();
  }

  @Test
  void aHeartbeatAnswerNamingTheAppliedGenerationConfirmsTheProgram() {
    servingKey.set(controllerKey);
    currentGeneration.set(8); // the controller has a newer program than the one served (7)
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.last() != null);
    awaitTicksFromNow();
    assertEquals(0, agent.confirmations(), "generation 8 is not the applied 7: no confirmation");

    currentGeneration.set(7);

    await().atMost(EVENTUALLY).until(() -> agent.confirmations() > 0);
    heartbeatStatus.set(503);
    await().atMost(EVENTUALLY).until(() -> agent.client().lastHeartbeatStatus() == 503);
    int confirmed = agent.confirmations();
    awaitTicksFromNow();
    assertEquals(confirmed, agent.confirmations(), "an unreachable controller confirms nothing");
    agent.kill();
  }

  /**
   * Fail static through a stall: a heartbeat that no leader answered (503 here, or no connection)
   * lets the dataplane take lapsed, unclaimed leases again; a controller that answers, even with a
   * refusal (401), decides instead, and so does a confirmation.
   */
  @Test
  void onlyAnUnansweredHeartbeatLetsTheDataplaneKeepLapsedFloatingIPs() {
    servingKey.set(controllerKey);
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.last() != null);
    awaitTicksFromNow();
    assertEquals(0, agent.unanswered(), "the controller answers: it decides");

    heartbeatStatus.set(401);
    await().atMost(EVENTUALLY).until(() -> agent.client().lastHeartbeatStatus() == 401);
    awaitTicksFromNow();
    assertEquals(0, agent.unanswered(), "a refusal is an answer");

    heartbeatStatus.set(503);
    await().atMost(EVENTUALLY).until(() -> agent.unanswered() >= 2);

    heartbeatStatus.set(200);
    await().atMost(EVENTUALLY).until(() -> agent.client().lastHeartbeatStatus() == 200);
    awaitTicksFromNow();
    int after = agent.unanswered();
    awaitTicksFromNow();
    assertEquals(after, agent.unanswered(), "no more once the leader answers again");
    agent.kill();
  }

  @Test
  void aHeartbeatAnswerAskingForAYieldedIpBackReclaimsItOnTheCurrentProgramOnly() {
    servingKey.set(controllerKey);
    currentGeneration.set(8); // not the applied 7: the answer is about another program
    reclaim.set("\"192.168.1.100\"");
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.last() != null);
    awaitTicksFromNow();
    assertEquals(List.of(), agent.reclaimed(), "a reclaim for another generation is ignored");

    currentGeneration.set(7);

    await().atMost(EVENTUALLY).until(() -> !agent.reclaimed().isEmpty());
    assertEquals("192.168.1.100", agent.reclaimed().get(0));
    agent.kill();
  }

  /**
   * A replica that does not lead answers 503: the agent drops that connection, so that its next
   * request is routed anew (the leader-only Service sends it to the leader). On kept-alive
   * connections it would keep talking to the follower.
   */
  @Test
  void aFollowersAnswerMakesTheAgentOpenANewConnection() {
    servingKey.set(controllerKey);
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.client().heartbeatsAccepted() > 5);
    assertTrue(connections.size() <= 4, "kept-alive connections are reused: " + connections.size());

    heartbeatStatus.set(503);
    int before = connections.size();
    int beats = heartbeatsReceived.get();
    await().atMost(EVENTUALLY).until(() -> heartbeatsReceived.get() >= beats + 8);

    assertTrue(
        connections.size() >= before + 6,
        "each 503 closes its connection: " + (connections.size() - before) + " new ones");
    agent.kill();
  }

  /** A long apply must not stop heartbeats: a busy agent is alive (it was declared Down). */
  @Test
  void heartbeatsGoOnWhileAnApplyTakesLong() throws Exception {
    servingKey.set(controllerKey);
    currentGeneration.set(8);
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.last() != null);
    awaitTicksFromNow();
    agent.slowApplies(Duration.ofSeconds(3));
    // the controller has a new program (generation 8): the agent spends 3 s applying it
    servedGeneration.set(8);

    await().atMost(EVENTUALLY).until(() -> agent.client().reportsFromCache() > 0);
    int before = heartbeatsReceived.get();
    long start = System.nanoTime();
    Thread.sleep(1000);

    assertTrue(agent.appliedGeneration() < 8, "the apply should still be running");
    assertTrue(
        heartbeatsReceived.get() - before >= 5,
        "heartbeats in 1 s of a 3 s apply (50 ms interval): "
            + (heartbeatsReceived.get() - before));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos());
    await().atMost(EVENTUALLY).until(() -> agent.appliedGeneration() == 8);
    agent.kill();
  }

  /** An answer signed by the controller's key but not bound to the poll is refused (issue 15). */
  @Test
  void refusesAProgramNotBoundToItsPoll() {
    servingKey.set(controllerKey);
    signing.set(Signing.PLAIN);
    SimulatedAgent agent = agent();

    await().atMost(EVENTUALLY).until(() -> agent.client().programsRejected() >= 2);

    assertTrue(agent.applied().isEmpty(), "a program without the poll's nonce was applied");
    agent.kill();
  }

  /**
   * Replay (issue 15): an answer recorded from one poll, validly signed and newer than what the
   * agent applied, is refused when delivered to a later poll; the agent keeps forwarding with the
   * program it has (fail static: a refusal never wipes state).
   */
  @Test
  void aRecordedProgramDeliveredToALaterPollIsRefusedAndTheNodeKeepsItsProgram() {
    servingKey.set(controllerKey);
    SimulatedAgent agent = agent();
    await().atMost(EVENTUALLY).until(() -> agent.appliedGeneration() == 7);

    signing.set(Signing.REPLAYED);
    servedGeneration.set(8);

    await().atMost(EVENTUALLY).until(() -> agent.client().programsRejected() >= 2);
    assertEquals(7, agent.appliedGeneration(), "the replayed generation 8 was applied");
    assertEquals(1, agent.applied().size());
    assertEquals(List.of("192.168.1.100"), agent.heldFloatingIPs());

    // The controller answers the agent's own poll again: generation 8 applies.
    signing.set(Signing.BOUND);
    await().atMost(EVENTUALLY).until(() -> agent.appliedGeneration() == 8);
    agent.kill();
  }
}

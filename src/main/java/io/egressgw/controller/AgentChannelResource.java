package io.egressgw.controller;

import io.egressgw.kube.NodeAddressBook;
import io.egressgw.program.HeartbeatResponse;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.program.SignedProgram;
import io.egressgw.rest.OwnAuthentication;
import io.egressgw.rest.Problem;
import io.egressgw.security.ReviewQueue;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The controller's side of the agent channel (see docs/ARCHITECTURE.md). Agents call in; the
 * controller never connects to a node.
 *
 * <ul>
 *   <li>401: no or invalid agent credential; 403: a valid credential of another node's agent; 429
 *       (Retry-After): the credential needs a review and the review queue is full. Decided by
 *       {@link AgentChannelAuthFilter} before the body is read, and again here.
 *   <li>503 (with Retry-After): this replica does not lead; the agent retries, and reaches the
 *       leader once the Service routes there or the election settles. It keeps its state meanwhile.
 *   <li>404: this process runs in role agent.
 * </ul>
 */
@OwnAuthentication("agents authenticate with per-node credentials, see AgentAuthenticator")
@Path("/v1/agents/{node}")
public class AgentChannelResource {
  @Inject ChannelState state;
  @Inject Leadership leadership;
  @Inject AgentAuthenticator auth;
  @Inject NodeAddressBook nodeAddresses;
  @Inject ProgramSigner signer;
  @Inject ChannelSettings settings;
  @Inject ControllerRuntime runtime;
  @Inject Clock clock;
  @Inject com.fasterxml.jackson.databind.ObjectMapper json;

  @ConfigProperty(name = "egressgw.role", defaultValue = "controller")
  String role;

  @POST
  @Path("heartbeat")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public CompletionStage<Response> heartbeat(
      @PathParam("node") String node,
      @HeaderParam("Authorization") String authorization,
      byte[] body) {
    return guarded(
        node,
        authorization,
        () -> {
          // Parsed only after authentication: an unauthenticated caller learns nothing from 400s.
          NodeReport report;
          try {
            report = json.readValue(body, NodeReport.class);
          } catch (java.io.IOException | RuntimeException e) {
            return done(
                problem(400, "invalid", "Bad Request", "the body is not a NodeReport", node));
          }
          if (report == null || !node.equals(report.node())) {
            return done(
                problem(
                    400,
                    "invalid",
                    "Bad Request",
                    "the report's node must be the path's node " + node,
                    node));
          }
          // Record the acknowledgement first: the reconcile the heartbeat may trigger counts it.
          long generation =
              state.programs().acknowledge(node, report.agentId(), report.appliedGeneration());
          List<String> reclaim = runtime.heartbeat(report, clock.instant());
          nodeAddresses.reported(node, report.subnets());
          return done(
              Response.ok(
                      new HeartbeatResponse(
                          generation, reclaim, state.replication().resyncFor(node)))
                  .build());
        });
  }

  @GET
  @Path("program")
  @Produces(MediaType.APPLICATION_JSON)
  public CompletionStage<Response> program(
      @PathParam("node") String node,
      @HeaderParam("Authorization") String authorization,
      @QueryParam("after") @DefaultValue("0") long after,
      @QueryParam("base") @DefaultValue("0") long base,
      @QueryParam("nonce") String nonce) {
    return guarded(
        node,
        authorization,
        () -> {
          if (nonce != null && !ProgramSignatures.validNonce(nonce)) {
            return done(
                problem(
                    400,
                    "invalid",
                    "Bad Request",
                    "nonce must be 16 to 64 base64url characters",
                    node));
          }
          if (state.programs().acknowledgePoll(node, after)) {
            runtime.requestStatusRefresh();
          }
          return state
              .programs()
              .await(node, after, settings.longPollTimeout())
              // Cancelled (leadership lost) or not leading any more: null, answered 503.
              .handle((program, error) -> error != null || !leadership.isLeader() ? null : program)
              .thenCompose(
                  program ->
                      program == null
                          ? done(notLeader(node))
                          : program.isEmpty()
                              ? done(Response.noContent().build())
                              : sign(node, base, program.get(), nonce)
                                  .thenApply(signed -> Response.ok(signed).build()));
        });
  }

  /**
   * A conntrack replication batch from the primary of a floating IP ({@link ReplicationRelay}): 200
   * queued for the IP's standby; 202 accepted but dropped (no standby, or its queue is full: the
   * next heartbeat answer asks for a full dump); 403 this node does not hold the IP; 503 not placed
   * yet under this leader. The body is bounded like every body on the channel (64 KiB).
   */
  @POST
  @Path("replication")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public CompletionStage<Response> replicate(
      @PathParam("node") String node,
      @HeaderParam("Authorization") String authorization,
      byte[] body) {
    return guarded(
        node,
        authorization,
        () -> {
          com.fasterxml.jackson.databind.JsonNode batch;
          try {
            batch = json.readTree(body);
          } catch (java.io.IOException | RuntimeException e) {
            batch = null;
          }
          if (batch == null || !batch.path("floatingIp").isInt()) {
            return done(
                problem(
                    400, "invalid", "Bad Request", "the body is not a replication batch", node));
          }
          String ip = io.egressgw.net.Ipv4.format(batch.get("floatingIp").asInt());
          ReplicationRelay.Outcome outcome =
              state
                  .replication()
                  .offer(
                      node,
                      ip,
                      body,
                      batch.path("dumpStart").asBoolean(false),
                      batch.path("dumpEnd").asBoolean(false));
          int status =
              switch (outcome) {
                case QUEUED -> 200;
                case NO_STANDBY, OVERFLOW -> 202;
                case NOT_HOLDER -> 403;
                case NOT_PLACED -> 503;
              };
          if (status >= 400) {
            return done(
                problem(
                    status,
                    status == 403 ? "forbidden" : "not-placed",
                    status == 403 ? "Forbidden" : "Service Unavailable",
                    status == 403
                        ? "node " + node + " does not hold " + ip + ": its flows are not relayed"
                        : ip + " is not placed yet under this leader",
                    node));
          }
          return done(
              Response.status(status).entity(new ReplicationAnswer(outcome.name(), ip)).build());
        });
  }

  /** Most bytes of batches one replication poll answers with. */
  static final long REPLICATION_ANSWER_BYTES = 1 << 20;

  /**
   * The standby's long-poll for replication batches: 200 with a JSON array of batches, oldest
   * first; 204 when nothing came within {@code wait} milliseconds (at most the configured long-poll
   * timeout).
   */
  @GET
  @Path("replication")
  @Produces(MediaType.APPLICATION_JSON)
  public CompletionStage<Response> replicationPoll(
      @PathParam("node") String node,
      @HeaderParam("Authorization") String authorization,
      @QueryParam("wait") @DefaultValue("20000") long waitMillis) {
    return guarded(
        node,
        authorization,
        () -> {
          long wait =
              Math.max(
                  0, Math.min(waitMillis, settings.replication().longPollTimeout().toMillis()));
          ReplicationRelay relay = state.replication();
          return relay
              .await(node)
              .completeOnTimeout(null, wait, java.util.concurrent.TimeUnit.MILLISECONDS)
              .thenApply(
                  v -> {
                    if (!leadership.isLeader()) {
                      return notLeader(node);
                    }
                    List<byte[]> batches = relay.take(node, REPLICATION_ANSWER_BYTES);
                    if (batches.isEmpty()) {
                      return Response.noContent().build();
                    }
                    return Response.ok(jsonArray(batches), MediaType.APPLICATION_JSON).build();
                  });
        });
  }

  /** The batches (each a JSON object as posted) as one JSON array. */
  static byte[] jsonArray(List<byte[]> batches) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write('[');
    for (int i = 0; i < batches.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.writeBytes(batches.get(i));
    }
    out.write(']');
    return out.toByteArray();
  }

  /** Body of an answer to a replication batch: what the relay did with it. */
  public record ReplicationAnswer(String outcome, String floatingIP) {}

  /**
   * A delta against {@code base} when the agent holds that program and this leader still has it,
   * else the full program; bound to the poll's nonce when it sent one.
   */
  private CompletableFuture<SignedProgram> sign(
      String node, long base, NodeProgram program, String nonce) {
    Optional<NodeProgram> held =
        base > 0 ? state.programs().published(node, base) : Optional.empty();
    return held.isPresent()
        ? signer.signDeltaAsync(held.get(), program, nonce)
        : signer.signAsync(program, nonce);
  }

  /**
   * A refusal on the channel: application/problem+json (RFC 9457), like every refusal of the REST
   * API, with the node's channel path as its instance.
   */
  static Response problem(int status, String type, String title, String detail, String node) {
    // Written here, a string: these routes produce application/json, so RESTEasy Reactive chose no
    // writer for problem+json at build time and would look one up per refusal, the 429s of a
    // junk-token flood included. (Suspected once of slowing agents' heartbeats under the flood;
    // that was the flood test's own JVM start, BENCHMARKS.md "Heartbeats under a junk-token
    // flood".)
    return Response.status(status)
        .type(Problem.MEDIA_TYPE)
        .entity(
            io.egressgw.rest.StrictJson.write(
                new Problem(
                    Problem.type(type),
                    title,
                    status,
                    detail,
                    "/v1/agents/" + node,
                    java.util.List.of())))
        .build();
  }

  private CompletionStage<Response> guarded(
      String node,
      String authorization,
      java.util.function.Supplier<CompletionStage<Response>> work) {
    if (!"controller".equals(role)) {
      return done(Response.status(404).build());
    }
    return auth.authenticate(node, authorization)
        .thenCompose(
            outcome ->
                outcome == AuthOutcome.ALLOWED
                    ? leadership.isLeader() ? work.get() : done(notLeader(node))
                    : done(refusal(outcome, node)));
  }

  /**
   * The answer to a caller that is not this node's agent: 401, 403, or 429 (problem+json with
   * Retry-After) when its token could not be reviewed for a full review queue. Also used by {@link
   * AgentChannelAuthFilter}, which refuses before the body is read.
   */
  static Response refusal(AuthOutcome outcome, String node) {
    return switch (outcome) {
      case UNAUTHENTICATED ->
          Response.fromResponse(
                  problem(
                      401,
                      "unauthenticated",
                      "Unauthorized",
                      "agent credential missing or invalid",
                      node))
              .header("WWW-Authenticate", "Bearer realm=\"egressgw-agent\"")
              .build();
      case FORBIDDEN ->
          problem(403, "forbidden", "Forbidden", "credential is not valid for node " + node, node);
      case BUSY ->
          Response.fromResponse(
                  problem(
                      429,
                      "too-many-requests",
                      "Too Many Requests",
                      "too many credentials waiting for review; retry after "
                          + ReviewQueue.RETRY_AFTER_SECONDS
                          + " s",
                      node))
              .header("Retry-After", String.valueOf(ReviewQueue.RETRY_AFTER_SECONDS))
              .build();
      case ALLOWED -> throw new IllegalArgumentException("not a refusal");
    };
  }

  private static Response notLeader(String node) {
    // Connection: close makes the agent reconnect, so that a Service balancing connections over the
    // replicas gives it another chance to reach the leader.
    return Response.fromResponse(
            problem(
                503,
                "not-leader",
                "Service Unavailable",
                "this controller replica does not lead",
                node))
        .header("Retry-After", "1")
        .header("Connection", "close")
        .build();
  }

  private static CompletionStage<Response> done(Response r) {
    return CompletableFuture.completedFuture(r);
  }
}

package io.egressgw.controller;

import io.egressgw.rest.Problem;
import io.egressgw.rest.StrictJson;
import io.egressgw.role.ProcessRole;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.runtime.VertxHttpRecorder;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SSLOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The agent channel ({@code /v1/agents/...}) on a port of its own (issue 15), so that a
 * NetworkPolicy can admit only node addresses to it (agents run with hostNetwork) while REST
 * clients and the API server's webhook calls reach the API port. Quarkus has one HTTPS listener;
 * this opens a second one ({@code egressgw.controller.channel.port}) with the same certificate
 * files and hands its requests to Quarkus' own root handler, so that every route filter, the JAX-RS
 * resources and the metrics see them as any other request.
 *
 * <p>A route filter then keeps the two apart by the port a request arrived on: the channel's paths
 * are answered on the channel's port only, and nothing else is; either refusal is a 404
 * problem+json. The domain socket (the lab, tests) is local and serves both. Without the setting
 * the channel shares the API port, as before (embedded mode, the lab).
 */
@Singleton
public class AgentChannelListener {
  private static final Logger LOG = Logger.getLogger(AgentChannelListener.class);

  /**
   * Before RequestLineGuard (1000) and ChannelBodyLimit: a request on the wrong port is refused
   * before anything else looks at it.
   */
  static final int PRIORITY = 1001;

  static final String CHANNEL = "/v1/agents";

  private volatile HttpServer server;

  /** The bound port, or -1 while the channel shares the API port. */
  private volatile int port = -1;

  private Optional<PemKeyCertOptions> certificate = Optional.empty();

  void register(@Observes Filters filters) {
    filters.register(this::separate, PRIORITY);
  }

  void start(
      @Observes StartupEvent event, Vertx vertx, ProcessRole role, ChannelSettings settings) {
    OptionalInt configured = settings.port();
    if (!role.isController() || configured.isEmpty()) {
      return;
    }
    certificate = certificate();
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(
                ConfigProvider.getConfig()
                    .getOptionalValue("quarkus.http.host", String.class)
                    .orElse("0.0.0.0"))
            .setPort(configured.getAsInt());
    certificate.ifPresent(c -> options.setSsl(true).setKeyCertOptions(c));
    HttpServer started =
        vertx
            .createHttpServer(options)
            .requestHandler(request -> VertxHttpRecorder.getRootHandler().handle(request))
            .listen()
            .toCompletionStage()
            .toCompletableFuture()
            .join();
    server = started;
    port = started.actualPort();
    LOG.infof(
        "agent channel listening on %s:%d (%s); the API port no longer answers %s/...",
        options.getHost(), port, certificate.isPresent() ? "https" : "http", CHANNEL);
  }

  void stop(@Observes ShutdownEvent event) {
    HttpServer s = server;
    if (s != null) {
      s.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /** The channel's bound port, or empty while it shares the API port. */
  public OptionalInt port() {
    int p = port;
    return p < 0 ? OptionalInt.empty() : OptionalInt.of(p);
  }

  /**
   * Re-reads the certificate files (after {@link ServingCertificateSchedule} rewrote them): new
   * connections get the new leaf, open ones keep theirs, as on the API port. Completes when the
   * listener serves what the files hold (fails when they could not be used).
   */
  public CompletionStage<Void> reload() {
    HttpServer s = server;
    if (s == null || certificate.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return s.updateSSLOptions(new SSLOptions().setKeyCertOptions(certificate.get()), true)
        .<Void>mapEmpty()
        .toCompletionStage();
  }

  /** The API listener's PEM certificate and key, when it has them. */
  private static Optional<PemKeyCertOptions> certificate() {
    var config = ConfigProvider.getConfig();
    Optional<List<Path>> certs =
        config.getOptionalValues("quarkus.http.ssl.certificate.files", Path.class);
    Optional<List<Path>> keys =
        config.getOptionalValues("quarkus.http.ssl.certificate.key-files", Path.class);
    if (certs.isEmpty() || keys.isEmpty()) {
      return Optional.empty();
    }
    PemKeyCertOptions pem = new PemKeyCertOptions();
    certs.get().forEach(p -> pem.addCertPath(p.toString()));
    keys.get().forEach(p -> pem.addKeyPath(p.toString()));
    return Optional.of(pem);
  }

  /** Whether a (normalised) path is the agent channel's. */
  static boolean channelPath(String path) {
    return path.equals(CHANNEL) || path.startsWith(CHANNEL + "/");
  }

  private void separate(RoutingContext rc) {
    int channelPort = port;
    SocketAddress local = rc.request().localAddress();
    if (channelPort < 0 || local == null || local.isDomainSocket()) {
      rc.next();
      return;
    }
    boolean onChannelPort = local.port() == channelPort;
    // normalizedPath: decoded unreserved characters and dot segments, as JAX-RS will match it
    String path = rc.normalizedPath();
    boolean channel = channelPath(path);
    if (onChannelPort == channel) {
      rc.next();
      return;
    }
    String detail =
        onChannelPort
            ? "this port serves the agent channel (" + CHANNEL + "/...) only"
            : "the agent channel is served on its own port, not on the API port";
    rc.response()
        .setStatusCode(404)
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader("Connection", "close")
        .end(
            StrictJson.write(
                new Problem(Problem.type("not-found"), "Not Found", 404, detail, path, List.of())));
  }
}

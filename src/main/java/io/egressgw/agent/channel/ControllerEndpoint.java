package io.egressgw.agent.channel;

import io.vertx.core.net.SocketAddress;
import java.net.URI;

/**
 * Where the controller listens, parsed from {@code egressgw.agent.channel.controller-url}: TCP
 * ({@code http://host:port}, {@code https://host:port}) or a Unix domain socket ({@code
 * unix:/run/egressgw/controller.sock}).
 */
public record ControllerEndpoint(SocketAddress server, String host, int port, boolean ssl) {

  public static ControllerEndpoint parse(String url) {
    if (url.startsWith("unix:")) {
      String path = url.substring("unix:".length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException("unix: URL without a socket path: " + url);
      }
      return new ControllerEndpoint(
          SocketAddress.domainSocketAddress(path), "localhost", 80, false);
    }
    URI uri = URI.create(url);
    boolean ssl = "https".equals(uri.getScheme());
    if (!ssl && !"http".equals(uri.getScheme())) {
      throw new IllegalArgumentException("controller URL must be http, https or unix: " + url);
    }
    int port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
    return new ControllerEndpoint(
        SocketAddress.inetSocketAddress(port, uri.getHost()), uri.getHost(), port, ssl);
  }

  /**
   * Why this endpoint must not be used in this environment, or empty: inside a cluster ({@code
   * KUBERNETES_SERVICE_HOST} set) plain http over TCP is refused (issue 15), since anyone on the
   * path could read the agent's token and answer its polls; https, or a Unix socket (no network
   * path), is required.
   */
  public java.util.Optional<String> problemIn(java.util.Map<String, String> env) {
    String host = env.get("KUBERNETES_SERVICE_HOST");
    if (host == null || host.isBlank() || ssl || domainSocket()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        "refusing plain http to the controller inside a cluster (KUBERNETES_SERVICE_HOST is set):"
            + " the agent's token and its programs' channel would travel unencrypted; use an"
            + " https:// egressgw.agent.channel.controller-url");
  }

  /**
   * The same connection target, with TLS verifying (and SNI and the Host header naming) {@code
   * serverName} instead of the URL's host: the leader-only Service's address, the controller
   * Service's certificate.
   */
  public ControllerEndpoint withServerName(String serverName) {
    return new ControllerEndpoint(server, serverName, port, ssl);
  }

  public boolean domainSocket() {
    return server.isDomainSocket();
  }
}

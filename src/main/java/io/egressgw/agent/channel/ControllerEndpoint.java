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

  public boolean domainSocket() {
    return server.isDomainSocket();
  }
}

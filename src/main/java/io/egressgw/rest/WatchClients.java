package io.egressgw.rest;

import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** Who a watch belongs to, for the bound per client, and which format it asked for. */
final class WatchClients {
  private WatchClients() {}

  /** The bearer token by digest (never kept in clear), else the client's address. */
  static String of(String authorization, HttpServerRequest request) {
    if (authorization != null && !authorization.isBlank()) {
      try {
        byte[] digest =
            MessageDigest.getInstance("SHA-256")
                .digest(authorization.trim().getBytes(StandardCharsets.UTF_8));
        return "token:" + HexFormat.of().formatHex(digest, 0, 16);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return request == null || request.remoteAddress() == null
        ? "address:unknown"
        : "address:" + request.remoteAddress().hostAddress();
  }

  /** Server-Sent Events when the client asks for text/event-stream (as EventSource does). */
  static boolean wantsEventStream(String accept) {
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/event-stream");
  }
}

package io.egressgw.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The outside world's echo service: answers every TCP connection with the source address it came
 * from (one line) and closes it. One thread, no process per connection: the chaos harness opens
 * about forty connections a second, and a fork-and-exec echo ({@code socat ... SYSTEM:echo}) made
 * the answer's latency follow the machine's load: while a JVM started beside the lab (a controller
 * restart on 2 cores), its answers came later than the probes' 300 ms timeout for every pod, egress
 * or not, and the harness counted that as an egress outage.
 *
 * <pre>
 *   LabEcho PORT
 * </pre>
 */
public final class LabEcho {
  private LabEcho() {}

  public static void main(String[] args) throws IOException {
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(Integer.parseInt(args[0])), 1024);
      while (true) {
        try (Socket s = server.accept()) {
          answer(s);
        } catch (IOException e) {
          // the client gave up (a probe's timeout): nothing to answer
        }
      }
    }
  }

  /** Writes the peer's address and a newline; the caller closes the socket. */
  static void answer(Socket s) throws IOException {
    String peer = ((InetSocketAddress) s.getRemoteSocketAddress()).getAddress().getHostAddress();
    OutputStream out = s.getOutputStream();
    out.write((peer + "\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    s.shutdownOutput();
  }
}

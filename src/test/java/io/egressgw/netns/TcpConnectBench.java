package io.egressgw.netns;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * New TCP connections per second, run inside network namespaces by {@link DataplaneBench}: {@code
 * server PORT} accepts and answers one byte per connection; {@code client HOST PORT MAX SECONDS}
 * opens connections one after another (connect, read the byte, close) until MAX connections or
 * SECONDS have passed, then prints "connections seconds".
 */
public final class TcpConnectBench {
  private TcpConnectBench() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("server")) {
      try (ServerSocket server = new ServerSocket()) {
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(Integer.parseInt(args[1])), 1024);
        while (true) {
          try (Socket s = server.accept();
              OutputStream out = s.getOutputStream()) {
            out.write('x');
          }
        }
      }
    }
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    int max = Integer.parseInt(args[3]);
    long deadline = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
    long start = System.nanoTime();
    int n = 0;
    while (n < max && System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.setSoLinger(
            true, 0); // RST on close: no TIME_WAIT pile-up across thousands of connections
        s.connect(new InetSocketAddress(host, port), 3000);
        s.setSoTimeout(3000);
        InputStream in = s.getInputStream();
        if (in.read() != 'x') {
          throw new IllegalStateException("no answer");
        }
      }
      n++;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.println(n + " " + seconds);
  }
}

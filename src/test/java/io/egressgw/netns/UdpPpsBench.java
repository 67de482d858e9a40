package io.egressgw.netns;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Small-packet UDP packets per second, run inside network namespaces by {@link DataplaneBench}:
 * {@code server PORT} counts the UDP datagrams arriving on PORT and answers a TCP connection to the
 * same port with "count first-to-last-seconds" of those since the previous answer (and starts
 * over); {@code client HOST PORT PAYLOAD SECONDS} asks once (to start over), sends PAYLOAD-byte
 * datagrams as fast as it can for SECONDS, waits half a second for the last ones, asks again and
 * prints "received received-pps sent sent-pps". Every wait is bounded, so a path that loses
 * everything reports 0 instead of hanging.
 */
public final class UdpPpsBench {
  private UdpPpsBench() {}

  /** Datagrams since the last answer, and the arrival times of the first and the last. */
  private static long count;

  private static long firstNanos;
  private static long lastNanos;

  public static void main(String[] args) throws Exception {
    if (args[0].equals("server")) {
      serve(Integer.parseInt(args[1]));
      return;
    }
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    int payload = Integer.parseInt(args[3]);
    long seconds = Long.parseLong(args[4]);
    ask(host, port);
    long sent = 0;
    long start = System.nanoTime();
    long deadline = start + seconds * 1_000_000_000L;
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(new InetSocketAddress(host, port));
      DatagramPacket packet = new DatagramPacket(new byte[payload], payload);
      while (System.nanoTime() < deadline) {
        for (int i = 0; i < 64; i++) {
          socket.send(packet);
        }
        sent += 64;
      }
    }
    double sentSeconds = (System.nanoTime() - start) / 1e9;
    Thread.sleep(500); // the last datagrams in flight; bounded
    String[] answer = ask(host, port).trim().split(" ");
    long received = Long.parseLong(answer[0]);
    double span = Double.parseDouble(answer[1]);
    System.out.printf(
        java.util.Locale.ROOT,
        "%d %.0f %d %.0f%n",
        received,
        span > 0 ? received / span : 0,
        sent,
        sent / sentSeconds);
  }

  private static String ask(String host, int port) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(5000);
      try (InputStream in = s.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      }
    }
  }

  private static void serve(int port) throws Exception {
    DatagramSocket udp = new DatagramSocket(null);
    udp.setReceiveBufferSize(8 << 20);
    udp.bind(new InetSocketAddress(port));
    Thread receiver =
        new Thread(
            () -> {
              DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
              while (true) {
                try {
                  udp.receive(p);
                } catch (java.io.IOException e) {
                  return;
                }
                long now = System.nanoTime();
                synchronized (UdpPpsBench.class) {
                  if (count == 0) {
                    firstNanos = now;
                  }
                  lastNanos = now;
                  count++;
                }
              }
            });
    receiver.setDaemon(true);
    receiver.start();
    try (ServerSocket control = new ServerSocket()) {
      control.setReuseAddress(true);
      control.bind(new InetSocketAddress(port));
      while (true) {
        try (Socket s = control.accept();
            OutputStream out = s.getOutputStream()) {
          String answer;
          synchronized (UdpPpsBench.class) {
            answer =
                String.format(
                    java.util.Locale.ROOT, "%d %.6f%n", count, (lastNanos - firstNanos) / 1e9);
            count = 0;
          }
          out.write(answer.getBytes(StandardCharsets.US_ASCII));
        }
      }
    }
  }
}

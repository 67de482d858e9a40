package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * One request on a fresh netlink socket of the current network namespace, through jnr-ffi's libc:
 * sends it and hands every message of the answer to a visitor until the kernel ends it (the end of
 * a dump, an acknowledgement, or the single answer of a get).
 */
final class NetlinkSocket {
  private NetlinkSocket() {}

  static final int NETLINK_ROUTE = 0;
  static final int NETLINK_NETFILTER = 12;

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int RECEIVE_TIMEOUT_SECONDS = 5;

  /** The libc calls a netlink socket needs. */
  public interface LibC {
    int socket(int domain, int type, int protocol);

    int setsockopt(int fd, int level, int option, @In byte[] value, int length);

    long send(int fd, @In byte[] buf, long length, int flags);

    long recv(int fd, @Out byte[] buf, long length, int flags);

    int close(int fd);
  }

  private static volatile LibC libc;

  private static synchronized LibC libc() {
    if (libc == null) {
      libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
    }
    return libc;
  }

  /**
   * Sends request and reads the answer.
   *
   * @param multipart true for a dump (read until NLMSG_DONE), false for a request answered by one
   *     datagram (a get, or an acknowledged change)
   */
  static void exchange(
      int protocol,
      byte[] request,
      boolean multipart,
      String what,
      NetlinkMessages.Visitor visitor) {
    LibC c = libc();
    int fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      DataplaneException.check(-errno(), what + ": netlink socket");
    }
    try {
      // a kernel that never answers must not hang the caller (a pass, a metrics refresh)
      byte[] timeout =
          ByteBuffer.allocate(16)
              .order(ByteOrder.nativeOrder())
              .putLong(RECEIVE_TIMEOUT_SECONDS)
              .putLong(0)
              .array();
      c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, timeout.length);
      if (c.send(fd, request, request.length, 0) < 0) {
        DataplaneException.check(-errno(), what + ": send");
      }
      byte[] buf = new byte[multipart ? 1 << 18 : 1 << 13];
      while (true) {
        long n = c.recv(fd, buf, buf.length, 0);
        if (n < 0) {
          DataplaneException.check(-errno(), what + ": receive");
        }
        if (NetlinkMessages.walk(buf, (int) n, what, visitor) || !multipart || n == 0) {
          return;
        }
      }
    } finally {
      c.close(fd);
    }
  }

  /** Requests one send carries at most (their acknowledgements must fit the receive buffer). */
  static final int REQUESTS_PER_SEND = 64;

  /**
   * Sends acknowledged requests (each with its own sequence number, NLM_F_ACK) over one socket, up
   * to {@link #REQUESTS_PER_SEND} a send, and answers each one's error (0, or a negative errno as
   * the kernel acknowledged it). The kernel handles the messages of a send one after the other and
   * acknowledges each, a failed one too, so one request's failure does not stop the others.
   */
  static int[] exchangeEach(int protocol, List<byte[]> requests, String what) {
    int[] errors = new int[requests.size()];
    if (requests.isEmpty()) {
      return errors;
    }
    LibC c = libc();
    int fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      DataplaneException.check(-errno(), what + ": netlink socket");
    }
    try {
      byte[] timeout =
          ByteBuffer.allocate(16)
              .order(ByteOrder.nativeOrder())
              .putLong(RECEIVE_TIMEOUT_SECONDS)
              .putLong(0)
              .array();
      c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, timeout.length);
      byte[] buf = new byte[1 << 16];
      for (int from = 0; from < requests.size(); from += REQUESTS_PER_SEND) {
        int to = Math.min(requests.size(), from + REQUESTS_PER_SEND);
        // sequence number -> index of its request
        Map<Integer, Integer> waiting = new HashMap<>();
        int length = 0;
        for (int i = from; i < to; i++) {
          length += NetlinkMessages.align(requests.get(i).length);
        }
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        for (int i = from; i < to; i++) {
          byte[] r = requests.get(i);
          waiting.put(ByteBuffer.wrap(r).order(ByteOrder.nativeOrder()).getInt(8), i);
          out.put(r);
          out.position(NetlinkMessages.align(out.position()));
        }
        if (c.send(fd, out.array(), length, 0) < 0) {
          DataplaneException.check(-errno(), what + ": send");
        }
        while (!waiting.isEmpty()) {
          long n = c.recv(fd, buf, buf.length, 0);
          if (n < 0) {
            DataplaneException.check(-errno(), what + ": receive");
          }
          ByteBuffer b = ByteBuffer.wrap(buf, 0, (int) n).order(ByteOrder.nativeOrder());
          while (b.remaining() >= NetlinkMessages.NLMSG_HDRLEN) {
            int start = b.position();
            int len = b.getInt(start);
            if (len < NetlinkMessages.NLMSG_HDRLEN || start + len > n) {
              throw new DataplaneException(what + ": malformed netlink message");
            }
            if ((b.getShort(start + 4) & 0xffff) == NetlinkMessages.NLMSG_ERROR) {
              Integer i = waiting.remove(b.getInt(start + 8));
              if (i != null) {
                errors[i] = b.getInt(start + NetlinkMessages.NLMSG_HDRLEN);
              }
            }
            b.position(Math.min((int) n, start + NetlinkMessages.align(len)));
          }
        }
      }
      return errors;
    } finally {
      c.close(fd);
    }
  }

  private static int errno() {
    int e = jnr.ffi.Runtime.getRuntime(libc()).getLastError();
    return e == 0 ? 5 : e; // EIO when libc did not say
  }
}

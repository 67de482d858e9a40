package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

  private static int errno() {
    int e = jnr.ffi.Runtime.getRuntime(libc()).getLastError();
    return e == 0 ? 5 : e; // EIO when libc did not say
  }
}

package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * A subscription to the kernel's conntrack events of the current network namespace (ctnetlink
 * multicast groups NFNLGRP_CONNTRACK_NEW, _UPDATE and _DESTROY on a NETLINK_NETFILTER socket, as
 * conntrackd listens): the kernel pushes each entry when it is confirmed, when its state or status
 * changes, and when it goes; nothing is polled. {@link #run} reads on the caller's thread until
 * {@link #close}. A full socket buffer loses events (ENOBUFS): the listener is told, so that it can
 * resynchronise from a dump.
 */
public final class ConntrackEvents implements AutoCloseable {
  /** What a listener is told. */
  public interface Listener {
    /** A new or changed entry (an IPv4 TCP or UDP one). */
    void changed(ConntrackEntry entry, boolean isNew);

    /** An entry that went (expired, closed or deleted). */
    void destroyed(ConntrackEntry entry);

    /** Events were lost (the socket's buffer overflowed): what is known may be stale. */
    void lost();
  }

  /** The libc calls a subscribed netlink socket needs. */
  public interface LibC {
    int socket(int domain, int type, int protocol);

    int bind(int fd, @In byte[] address, int length);

    int setsockopt(int fd, int level, int option, @In byte[] value, int length);

    long recv(int fd, @Out byte[] buf, long length, int flags);

    int shutdown(int fd, int how);

    int close(int fd);
  }

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVBUFFORCE = 33;
  private static final int SO_RCVBUF = 8;
  private static final int SO_RCVTIMEO = 20;
  private static final int ENOBUFS = 105;
  private static final int EAGAIN = 11;
  private static final int EINTR = 4;

  /** NFNLGRP_CONNTRACK_NEW (1), _UPDATE (2), _DESTROY (3) as a bind() group mask. */
  static final int GROUPS = 1 | 1 << 1 | 1 << 2;

  static final int IPCTNL_MSG_CT_NEW = 0;
  static final int IPCTNL_MSG_CT_DELETE = 2;

  /** NLM_F_CREATE on a NEW message: the entry is new (not an update). */
  private static final int NLM_F_CREATE = 0x400;

  private static final int BUFFER_BYTES = 8 << 20;

  private static volatile LibC libc;

  private final int fd;
  private volatile boolean closed;

  private static synchronized LibC libc() {
    if (libc == null) {
      libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
    }
    return libc;
  }

  private ConntrackEvents(int fd) {
    this.fd = fd;
  }

  /** Subscribes in the current network namespace. */
  public static ConntrackEvents subscribe() {
    LibC c = libc();
    int fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NetlinkSocket.NETLINK_NETFILTER);
    if (fd < 0) {
      DataplaneException.check(-errno(), "conntrack events: netlink socket");
    }
    byte[] size =
        ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(BUFFER_BYTES).array();
    if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) < 0) {
      c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4); // without CAP_NET_ADMIN: up to rmem_max
    }
    // wake up every half second so that close() is noticed
    byte[] timeout =
        ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(0).putLong(500_000).array();
    c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, timeout.length);
    byte[] address =
        ByteBuffer.allocate(12)
            .order(ByteOrder.nativeOrder())
            .putShort((short) AF_NETLINK)
            .putShort((short) 0)
            .putInt(0)
            .putInt(GROUPS)
            .array();
    if (c.bind(fd, address, address.length) < 0) {
      int e = errno();
      c.close(fd);
      DataplaneException.check(-e, "conntrack events: bind to the conntrack groups");
    }
    return new ConntrackEvents(fd);
  }

  /** Reads events and hands them to listener until {@link #close}. */
  public void run(Listener listener) {
    LibC c = libc();
    byte[] buf = new byte[1 << 18];
    while (!closed) {
      long n = c.recv(fd, buf, buf.length, 0);
      if (n < 0) {
        int e = errno();
        if (e == ENOBUFS) {
          listener.lost();
        } else if (e != EAGAIN && e != EINTR && !closed) {
          DataplaneException.check(-e, "conntrack events: receive");
        }
        continue;
      }
      dispatch(buf, (int) n, listener);
    }
  }

  /** Hands the entries of one datagram of events to listener. */
  static void dispatch(byte[] datagram, int length, Listener listener) {
    ByteBuffer b = ByteBuffer.wrap(datagram, 0, length).order(ByteOrder.nativeOrder());
    while (b.remaining() >= NetlinkMessages.NLMSG_HDRLEN) {
      int start = b.position();
      int len = b.getInt(start);
      int type = b.getShort(start + 4) & 0xffff;
      int flags = b.getShort(start + 6) & 0xffff;
      if (len < NetlinkMessages.NLMSG_HDRLEN || start + len > length) {
        return;
      }
      int msg = type & 0xff;
      if ((type >> 8) == ConntrackMessages.NFNL_SUBSYS_CTNETLINK
          && len >= NetlinkMessages.NLMSG_HDRLEN + ConntrackMessages.NFGENMSG_LEN) {
        ByteBuffer attrs = b.duplicate();
        attrs
            .position(start + NetlinkMessages.NLMSG_HDRLEN + ConntrackMessages.NFGENMSG_LEN)
            .limit(start + len);
        ConntrackEntry entry =
            ConntrackMessages.entry(attrs.slice().order(ByteOrder.nativeOrder()));
        if (entry != null) {
          if (msg == IPCTNL_MSG_CT_DELETE) {
            listener.destroyed(entry);
          } else if (msg == IPCTNL_MSG_CT_NEW) {
            listener.changed(entry, (flags & NLM_F_CREATE) != 0);
          }
        }
      }
      b.position(Math.min(length, start + NetlinkMessages.align(len)));
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      libc().shutdown(fd, 2);
      libc().close(fd);
    }
  }

  private static int errno() {
    int e = jnr.ffi.Runtime.getRuntime(libc()).getLastError();
    return e == 0 ? 5 : e;
  }
}

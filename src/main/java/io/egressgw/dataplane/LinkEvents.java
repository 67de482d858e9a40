package io.egressgw.dataplane;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Link and tc events of the current network namespace (rtnetlink groups LINK and TC), read by
 * libegressgw: the agent attaches to a pod interface when it appears instead of at its next poll,
 * and re-attaches when a qdisc or filter is deleted under it.
 */
public final class LinkEvents implements AutoCloseable {
  private final int fd;
  private final byte[] buf = new byte[1 << 16];

  /** What arrived in one wait: new or changed links, interfaces that lost a qdisc or filter. */
  public record Batch(List<Rtnetlink.Link> links, Set<Integer> tcChanged, boolean overflow) {
    public boolean isEmpty() {
      return links.isEmpty() && tcChanged.isEmpty() && !overflow;
    }
  }

  private LinkEvents(int fd) {
    this.fd = fd;
  }

  /** Subscribes; events from now on are queued by the kernel until read. */
  public static LinkEvents open() {
    return new LinkEvents(
        (int) DataplaneException.check(NativeLibraries.egw().egw_events_open(), "netlink events"));
  }

  /** Waits up to timeoutMs for events; an empty batch on timeout. */
  public Batch await(int timeoutMs) {
    int n = NativeLibraries.egw().egw_events_wait(fd, timeoutMs, buf, buf.length);
    DataplaneException.check(n, "netlink events");
    List<Rtnetlink.Link> links = new ArrayList<>();
    Set<Integer> tc = new TreeSet<>();
    boolean overflow = false;
    for (String line : new String(buf, 0, n, StandardCharsets.UTF_8).split("\n")) {
      String[] f = line.split("\t");
      if (f[0].equals("L") && f.length >= 5) {
        links.add(Rtnetlink.Link.parse(f, 1));
      } else if (f[0].equals("T") && f.length >= 2) {
        tc.add(Integer.parseInt(f[1]));
      } else if (f[0].equals("O")) {
        overflow = true;
      }
    }
    return new Batch(links, tc, overflow);
  }

  @Override
  public void close() {
    NativeLibraries.egw().egw_events_close(fd);
  }
}

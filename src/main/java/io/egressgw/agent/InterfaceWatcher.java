package io.egressgw.agent;

import io.egressgw.dataplane.DataplaneException;
import io.egressgw.dataplane.LinkEvents;
import io.egressgw.dataplane.Rtnetlink;
import org.jboss.logging.Logger;

/**
 * Reacts to rtnetlink link and tc events of the node: attaches egw_classify to a pod interface the
 * moment the kernel announces it (RTM_NEWLINK), before the pod can send through it, and puts the
 * uplink's hooks and nft table back when a qdisc or filter is deleted, and notes when the uplink
 * loses or regains its carrier. The periodic pass ({@link NodeDataplane#reconcileInterfaces()})
 * stays as the backstop for lost events.
 */
public final class InterfaceWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(InterfaceWatcher.class);
  private static final int WAIT_MS = 500;

  private final EbpfNodeDataplane dataplane;
  private final LinkEvents events;
  private final Thread thread;
  private volatile boolean closed;

  private InterfaceWatcher(EbpfNodeDataplane dataplane) {
    this.dataplane = dataplane;
    this.events = LinkEvents.open();
    this.thread = new Thread(this::run, "egw-link-events");
    this.thread.setDaemon(true);
  }

  /**
   * Subscribes, then runs one full pass (so nothing that appeared before the subscription is
   * missed) and handles events on a daemon thread until closed.
   */
  public static InterfaceWatcher start(EbpfNodeDataplane dataplane) {
    InterfaceWatcher w = new InterfaceWatcher(dataplane);
    dataplane.reconcileInterfaces();
    w.thread.start();
    return w;
  }

  private void run() {
    while (!closed) {
      try {
        handle(events.await(WAIT_MS));
      } catch (DataplaneException | IllegalStateException e) {
        if (!closed) {
          LOG.warn("link events: " + e.getMessage());
        }
      }
    }
  }

  private void handle(LinkEvents.Batch batch) {
    if (batch.isEmpty()) {
      return;
    }
    if (batch.overflow()) {
      dataplane.reconcileInterfaces(); // events were lost: look at everything
      return;
    }
    for (Rtnetlink.Link link : batch.links()) {
      if (link.name().equals(dataplane.uplinkName())) {
        dataplane.uplinkSeen(link); // carrier lost or back: reported with the next heartbeat
      }
      dataplane.attachPodInterface(link);
    }
    if (!batch.tcChanged().isEmpty()) {
      int uplink = dataplane.uplinkIndex();
      if (batch.tcChanged().contains(uplink)) {
        dataplane.reconcileUplink();
      }
      // a pod interface that lost its clsact qdisc gets the classifier back
      for (Rtnetlink.Link link : Rtnetlink.links()) {
        if (link.index() != uplink && batch.tcChanged().contains(link.index())) {
          dataplane.attachPodInterface(link);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      thread.join(2 * WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.close();
  }
}

package io.egressgw.controller;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Whether this replica leads, and since when. Only the leader writes status and Events and serves
 * the agent channel; every writer checks {@link #isLeader()} right before it writes.
 */
@ApplicationScoped
public class Leadership {
  private volatile boolean leader;
  private volatile Instant since;
  private volatile String currentLeader;
  private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();

  public boolean isLeader() {
    return leader;
  }

  public Instant since() {
    return since;
  }

  /** Identity of the leader as last seen in the Lease, or null. */
  public String currentLeader() {
    return currentLeader;
  }

  public void onChange(Consumer<Boolean> listener) {
    listeners.add(listener);
  }

  void started(Instant at) {
    since = at;
    leader = true;
    listeners.forEach(l -> l.accept(true));
  }

  void stopped() {
    if (!leader) {
      return;
    }
    leader = false;
    listeners.forEach(l -> l.accept(false));
  }

  void newLeader(String identity) {
    currentLeader = identity;
  }
}

package io.egressgw.rest;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Predicate;

/**
 * The changes of one kind, as Kubernetes watch events, fed by its informer: the last {@value
 * #HISTORY} events are kept, so that a watch can start from a resourceVersion a list answered, and
 * every open watch gets each new event in a bounded queue of its own. An event and a new watch are
 * ordered under one lock, so a watch sees every event after its starting point exactly once.
 *
 * @param <T> the custom resource type
 */
final class WatchChannel<T extends HasMetadata> {
  static final int HISTORY = 1000;

  /** Events one slow watcher may have pending; more and its stream ends (it watches again). */
  static final int QUEUE = 256;

  /** One watch event: ADDED, MODIFIED, DELETED (and BOOKMARK, made by the stream). */
  record Event(String type, HasMetadata object, long resourceVersion) {}

  /**
   * An open watch: what it replays first, its queue of new events, and whether it fell behind (then
   * the stream ends).
   */
  static final class Subscription {
    final List<Event> replay = new ArrayList<>();
    final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
    volatile boolean overflowed;
    private final Predicate<HasMetadata> filter;

    Subscription(Predicate<HasMetadata> filter) {
      this.filter = filter;
    }

    void offer(Event event) {
      if (filter.test(event.object()) && !queue.offer(event)) {
        overflowed = true;
      }
    }
  }

  private final Deque<Event> history = new ArrayDeque<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private long floor;
  private long latest;

  WatchChannel(SharedIndexInformer<T> informer) {
    String synced = informer.lastSyncResourceVersion();
    floor = version(synced);
    latest = floor;
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            publish("ADDED", obj);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            publish("MODIFIED", newObj);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            publish("DELETED", obj);
          }
        });
  }

  private synchronized void publish(String type, T object) {
    long version = version(object.getMetadata().getResourceVersion());
    Event event = new Event(type, object, version);
    history.addLast(event);
    if (history.size() > HISTORY) {
      floor = history.removeFirst().resourceVersion();
    }
    latest = Math.max(latest, version);
    for (Subscription s : subscriptions) {
      s.offer(event);
    }
  }

  /**
   * Opens a watch: first {@code initial} (the current objects, for a watch without a
   * resourceVersion) or the kept events after {@code from}, then every new event. Empty when {@code
   * from} is older than the kept events (the client lists again: 410).
   */
  synchronized Optional<Subscription> open(
      Long from, List<T> initial, Predicate<HasMetadata> filter) {
    Subscription s = new Subscription(filter);
    if (from == null) {
      for (T object : initial) {
        if (filter.test(object)) {
          s.replay.add(
              new Event("ADDED", object, version(object.getMetadata().getResourceVersion())));
        }
      }
    } else {
      if (from < floor) {
        return Optional.empty();
      }
      for (Event e : history) {
        if (e.resourceVersion() > from && filter.test(e.object())) {
          s.replay.add(e);
        }
      }
    }
    subscriptions.add(s);
    return Optional.of(s);
  }

  synchronized void close(Subscription s) {
    subscriptions.remove(s);
  }

  /** The newest resourceVersion this channel has seen, for bookmarks and list metadata. */
  synchronized long latest() {
    return latest;
  }

  static long version(String resourceVersion) {
    try {
      return resourceVersion == null ? 0 : Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}

package io.egressgw.controller;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiPredicate;
import org.jboss.logging.Logger;

/**
 * Writes the status of one custom resource kind, only where it differs (reconcile thread only). It
 * remembers what it last wrote per object, because the informer's copy lags behind our own writes:
 * a status equal to the last write, or (before any write) to the cached object's status, is not
 * written again. Only the leader writes; a 404 (the object is gone) counts as written.
 *
 * @param <S> the status type
 * @param <R> the custom resource type
 */
final class StatusWriter<S, R extends CustomResource<?, S>> {
  private static final Logger LOG = Logger.getLogger(StatusWriter.class);

  private final Class<R> type;
  private final BiPredicate<S, S> same;
  private final KubernetesClient client;
  private final Leadership leadership;
  private final Clock clock;
  private final Map<String, S> written = new HashMap<>();
  private final Map<String, Instant> writtenAt = new HashMap<>();

  /** {@code same}: equal for the purpose of writing (e.g. ignoring condition transition times). */
  StatusWriter(
      Class<R> type,
      BiPredicate<S, S> same,
      KubernetesClient client,
      Leadership leadership,
      Clock clock) {
    this.type = type;
    this.same = same;
    this.client = client;
    this.leadership = leadership;
    this.clock = clock;
  }

  /** Writes {@code desired} as the status of {@code resource} unless it has it already. */
  boolean write(R resource, S desired) {
    String key = ClusterCache.key(resource);
    S last = written.get(key);
    if (same.test(desired, last) || (last == null && same.test(desired, resource.getStatus()))) {
      return true;
    }
    if (!leadership.isLeader()) {
      return false;
    }
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    try {
      var resources = client.resources(type);
      var named =
          namespace == null || namespace.isEmpty()
              ? resources.withName(name)
              : resources.inNamespace(namespace).withName(name);
      named.editStatus(
          current -> {
            current.setStatus(desired);
            return current;
          });
      written.put(key, desired);
      writtenAt.put(key, clock.instant());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        written.remove(key);
        return true;
      }
      LOG.warnf("status of %s %s not written: %s", type.getSimpleName(), key, e.getMessage());
      return false;
    }
  }

  /** What was last written as the status of {@code resource}, or null. */
  S lastWritten(R resource) {
    return written.get(ClusterCache.key(resource));
  }

  /** When {@link #lastWritten} was written, or {@link Instant#MIN}. */
  Instant lastWrittenAt(R resource) {
    return writtenAt.getOrDefault(ClusterCache.key(resource), Instant.MIN);
  }

  /** A new leadership: nothing is known to be written. */
  void clear() {
    written.clear();
    writtenAt.clear();
  }
}

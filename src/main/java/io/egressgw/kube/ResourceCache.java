package io.egressgw.kube;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Store;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Informer-backed, read-only caches of our two custom resources: the REST API reads from here, and
 * any other package may too. Started on first use (or at startup by {@link KubernetesBootstrap});
 * the stores are filled by list+watch against the API server, so an object written by anyone
 * (kubectl, the REST API, the controller) shows up here.
 */
@ApplicationScoped
public class ResourceCache {
  private static final Logger LOG = Logger.getLogger(ResourceCache.class);
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final Object changed = new Object();
  private SharedIndexInformer<NetworkGatewayGroup> groups;
  private SharedIndexInformer<EgressNATPolicy> policies;

  public ResourceCache(KubernetesClient client) {
    this.client = client;
  }

  /** Gateway groups in every namespace, keyed "namespace/name". */
  public Store<NetworkGatewayGroup> gatewayGroups() {
    start();
    return groups.getStore();
  }

  /** Egress NAT policies (cluster-scoped), keyed "name". */
  public Store<EgressNATPolicy> egressPolicies() {
    start();
    return policies.getStore();
  }

  /** The gateway group informer, for packages that want their own event handlers. */
  public SharedIndexInformer<NetworkGatewayGroup> gatewayGroupInformer() {
    start();
    return groups;
  }

  /** The egress policy informer, for packages that want their own event handlers. */
  public SharedIndexInformer<EgressNATPolicy> egressPolicyInformer() {
    start();
    return policies;
  }

  /** Starts both informers once and waits for their first list. */
  public synchronized void start() {
    if (groups != null) {
      return;
    }
    var g = client.resources(NetworkGatewayGroup.class).inAnyNamespace().runnableInformer(0);
    var p = client.resources(EgressNATPolicy.class).runnableInformer(0);
    g.addEventHandler(new Notifier<>());
    p.addEventHandler(new Notifier<>());
    var groupsSynced = g.start();
    var policiesSynced = p.start();
    try {
      groupsSynced.toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      policiesSynced.toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      g.stop();
      p.stop();
      throw new IllegalStateException("informers for our custom resources did not sync: " + e, e);
    }
    groups = g;
    policies = p;
    LOG.infof(
        "informer caches synced: %d gateway groups, %d egress policies",
        g.getStore().list().size(), p.getStore().list().size());
  }

  /**
   * Waits (bounded) until the cache reflects a write: the object at {@code key} has exactly {@code
   * resourceVersion}, or a newer one when versions are numeric (as with the emulator), or, for
   * {@code resourceVersion == null}, is gone. Answers whether it did within the timeout; a false
   * answer is harmless (reads are then briefly stale), so callers do not fail on it.
   */
  public <T extends HasMetadata> boolean awaitCached(
      Store<T> store, String key, String resourceVersion, Duration timeout) {
    return await(() -> reflects(store, key, resourceVersion), timeout);
  }

  /**
   * True when {@code store} reflects a write now: the object at {@code key} has exactly {@code
   * resourceVersion} or a numerically newer one, or, for {@code resourceVersion == null}, is gone.
   */
  public static <T extends HasMetadata> boolean reflects(
      Store<T> store, String key, String resourceVersion) {
    T cached = store.getByKey(key);
    if (resourceVersion == null) {
      return cached == null;
    }
    if (cached == null) {
      return false;
    }
    String have = cached.getMetadata().getResourceVersion();
    return Objects.equals(have, resourceVersion) || numericallyNewer(have, resourceVersion);
  }

  /** The store key of an object: "namespace/name", or "name" when cluster-scoped. */
  public static String key(HasMetadata object) {
    return Cache.metaNamespaceKeyFunc(object);
  }

  private boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changed) {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          changed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  private static boolean numericallyNewer(String have, String want) {
    try {
      return Long.parseLong(have) > Long.parseLong(want);
    } catch (NumberFormatException | NullPointerException e) {
      return false;
    }
  }

  @PreDestroy
  synchronized void stop() {
    if (groups != null) {
      groups.stop();
      policies.stop();
      groups = null;
      policies = null;
    }
  }

  /** Wakes up writers waiting in {@link #awaitCached} on every cache change. */
  private final class Notifier<T> implements ResourceEventHandler<T> {
    @Override
    public void onAdd(T obj) {
      wake();
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      wake();
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
      wake();
    }

    private void wake() {
      synchronized (changed) {
        changed.notifyAll();
      }
    }
  }
}

package io.egressgw.rest;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.ResourceCache;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;

/**
 * The watch channels of both kinds (made on first use, fed by the informers), and the bound on open
 * watches per client: a client is its bearer token (by digest, never kept in clear) or, without
 * one, its address.
 */
@ApplicationScoped
public class WatchHub {
  private final ResourceCache cache;
  private final RestSettings settings;
  private final Map<String, Integer> open = new HashMap<>();
  private WatchChannel<NetworkGatewayGroup> groups;
  private WatchChannel<EgressNATPolicy> policies;

  public WatchHub(ResourceCache cache, RestSettings settings) {
    this.cache = cache;
    this.settings = settings;
  }

  synchronized WatchChannel<NetworkGatewayGroup> gatewayGroups() {
    if (groups == null) {
      groups = new WatchChannel<>(cache.gatewayGroupInformer());
    }
    return groups;
  }

  synchronized WatchChannel<EgressNATPolicy> egressPolicies() {
    if (policies == null) {
      policies = new WatchChannel<>(cache.egressPolicyInformer());
    }
    return policies;
  }

  /** Counts a new watch of {@code client}; false when it has as many open as it may. */
  synchronized boolean acquire(String client) {
    int now = open.getOrDefault(client, 0);
    if (now >= settings.maxWatchesPerClient()) {
      return false;
    }
    open.put(client, now + 1);
    return true;
  }

  synchronized void release(String client) {
    open.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
  }
}

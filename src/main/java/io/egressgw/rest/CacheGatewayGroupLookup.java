package io.egressgw.rest;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.NodeAddressBook;
import io.egressgw.kube.ResourceCache;
import io.egressgw.validation.GatewayGroupLookup;
import io.egressgw.validation.NodeNetwork;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Optional;

/**
 * The cross-object validation rules' view of stored gateway groups, policies and nodes: informer
 * caches.
 */
@Singleton
public class CacheGatewayGroupLookup implements GatewayGroupLookup {
  private final ResourceCache cache;
  private final NodeAddressBook nodes;

  public CacheGatewayGroupLookup(ResourceCache cache, NodeAddressBook nodes) {
    this.cache = cache;
    this.nodes = nodes;
  }

  @Override
  public Collection<NodeNetwork> nodeNetworks() {
    return nodes.networks();
  }

  @Override
  public Optional<NetworkGatewayGroup> find(String namespace, String name) {
    return Optional.ofNullable(cache.gatewayGroups().getByKey(namespace + "/" + name));
  }

  @Override
  public Collection<NetworkGatewayGroup> all() {
    return cache.gatewayGroups().list();
  }

  @Override
  public Collection<EgressNATPolicy> policies() {
    return cache.egressPolicies().list();
  }
}

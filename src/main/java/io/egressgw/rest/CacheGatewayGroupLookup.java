package io.egressgw.rest;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.kube.ResourceCache;
import io.egressgw.validation.GatewayGroupLookup;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Optional;

/** The cross-object validation rules' view of stored gateway groups: the informer cache. */
@Singleton
public class CacheGatewayGroupLookup implements GatewayGroupLookup {
  private final ResourceCache cache;

  public CacheGatewayGroupLookup(ResourceCache cache) {
    this.cache = cache;
  }

  @Override
  public Optional<NetworkGatewayGroup> find(String namespace, String name) {
    return Optional.ofNullable(cache.gatewayGroups().getByKey(namespace + "/" + name));
  }

  @Override
  public Collection<NetworkGatewayGroup> all() {
    return cache.gatewayGroups().list();
  }
}

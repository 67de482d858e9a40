package io.egressgw.validation;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import java.util.Collection;
import java.util.Optional;

/**
 * Read access to the stored gateway groups (and the policies that use them), for the rules that
 * look beyond one object. The REST layer backs it with the informer cache; an admission webhook can
 * back it the same way; tests back it with a list.
 */
public interface GatewayGroupLookup {
  Optional<NetworkGatewayGroup> find(String namespace, String name);

  Collection<NetworkGatewayGroup> all();

  /**
   * The nodes' addresses and reported subnets, for the address-theft rule ({@link
   * FloatingIpTheft}); none by default.
   */
  default Collection<NodeNetwork> nodeNetworks() {
    return java.util.List.of();
  }

  /** The stored policies, for the in-use rule on deleting a group ({@link GatewayGroupInUse}). */
  default Collection<EgressNATPolicy> policies() {
    return java.util.List.of();
  }

  /** A lookup over a fixed collection of groups. */
  static GatewayGroupLookup of(Collection<NetworkGatewayGroup> groups) {
    return new GatewayGroupLookup() {
      @Override
      public Optional<NetworkGatewayGroup> find(String namespace, String name) {
        return groups.stream()
            .filter(
                g ->
                    g.getMetadata() != null
                        && namespace != null
                        && name != null
                        && namespace.equals(g.getMetadata().getNamespace())
                        && name.equals(g.getMetadata().getName()))
            .findFirst();
      }

      @Override
      public Collection<NetworkGatewayGroup> all() {
        return groups;
      }
    };
  }
}

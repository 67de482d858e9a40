package io.egressgw.validation;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.GatewayRef;
import io.egressgw.api.v1.NetworkGatewayGroup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Admission of a whole object against what is stored: first the object's own rules, then the rules
 * that look at other objects through a {@link GatewayGroupLookup}. The REST API uses it before it
 * writes; an admission webhook can call exactly the same methods.
 *
 * <ul>
 *   <li>A policy's gatewayRef must name an existing gateway group: {@link Verdict.Outcome#INVALID}
 *       (422), as the reference says a bad gatewayRef fails the policy.
 *   <li>A floating IP may belong to one gateway group only: {@link Verdict.Outcome#CONFLICT} (409).
 * </ul>
 *
 * The check and the later write are not atomic: two concurrent creates can both pass. The
 * controller therefore still treats a duplicate floating IP as a condition, not as impossible.
 */
public final class ResourceAdmission {
  private ResourceAdmission() {}

  public static Verdict admit(NetworkGatewayGroup group, GatewayGroupLookup lookup) {
    List<Violation> own = NetworkGatewayGroupValidator.validate(group);
    if (!own.isEmpty()) {
      return Verdict.invalid(own);
    }
    List<Violation> theft = addressTheft(group, lookup.nodeNetworks());
    if (!theft.isEmpty()) {
      return Verdict.invalid(theft);
    }
    return Verdict.conflict(floatingIpsClaimedElsewhere(group, lookup));
  }

  public static Verdict admit(EgressNATPolicy policy, GatewayGroupLookup lookup) {
    List<Violation> own = EgressNATPolicyValidator.validate(policy);
    if (!own.isEmpty()) {
      return Verdict.invalid(own);
    }
    return Verdict.invalid(gatewayRefMissing(policy, lookup));
  }

  /**
   * One violation per floating IP that is a node's address or a node subnet's network/broadcast.
   */
  public static List<Violation> addressTheft(
      NetworkGatewayGroup group, Collection<NodeNetwork> nodes) {
    List<Violation> out = new ArrayList<>();
    List<String> ips = group.getSpec().getFloatingIPs();
    for (int i = 0; i < ips.size(); i++) {
      int index = i;
      FloatingIpTheft.problem(ips.get(i), nodes)
          .ifPresent(p -> out.add(new Violation("spec.floatingIPs[" + index + "]", p)));
    }
    return out;
  }

  /** One violation per floating IP of the group that another group already lists. */
  public static List<Violation> floatingIpsClaimedElsewhere(
      NetworkGatewayGroup group, GatewayGroupLookup lookup) {
    List<Violation> out = new ArrayList<>();
    List<String> ips = group.getSpec().getFloatingIPs();
    String namespace = group.getMetadata().getNamespace();
    String name = group.getMetadata().getName();
    for (int i = 0; i < ips.size(); i++) {
      String ip = ips.get(i);
      for (NetworkGatewayGroup other : lookup.all()) {
        boolean self =
            Objects.equals(other.getMetadata().getNamespace(), namespace)
                && Objects.equals(other.getMetadata().getName(), name);
        if (self || other.getSpec() == null || other.getSpec().getFloatingIPs() == null) {
          continue;
        }
        if (other.getSpec().getFloatingIPs().contains(ip)) {
          out.add(
              new Violation(
                  "spec.floatingIPs[" + i + "]",
                  ip
                      + " is already a floating IP of NetworkGatewayGroup "
                      + other.getMetadata().getNamespace()
                      + "/"
                      + other.getMetadata().getName()
                      + ": each floating IP belongs to one gateway group"));
          break;
        }
      }
    }
    return out;
  }

  /** A violation when the policy's gatewayRef names no stored gateway group. */
  public static List<Violation> gatewayRefMissing(
      EgressNATPolicy policy, GatewayGroupLookup lookup) {
    GatewayRef ref = policy.getSpec().getGatewayRef();
    if (lookup.find(ref.getNamespace(), ref.getName()).isPresent()) {
      return List.of();
    }
    return List.of(
        new Violation(
            "spec.gatewayRef",
            "NetworkGatewayGroup "
                + ref.getNamespace()
                + "/"
                + ref.getName()
                + " does not exist: create the gateway group first"));
  }
}

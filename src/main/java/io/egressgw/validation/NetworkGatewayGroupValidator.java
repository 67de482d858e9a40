package io.egressgw.validation;

import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.NetworkGatewayGroupSpec;
import io.egressgw.api.v1.SchemaPatterns;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates one NetworkGatewayGroup on its own: names, at least one floating IP, each a usable IPv4
 * unicast address, no duplicates, a well-formed node selector. Status is not looked at: it is
 * written by the controller, never by a client.
 */
public final class NetworkGatewayGroupValidator {
  private NetworkGatewayGroupValidator() {}

  public static List<Violation> validate(NetworkGatewayGroup group) {
    List<Violation> out = new ArrayList<>();
    ObjectMetaRules.check(
        group, NetworkGatewayGroup.API_VERSION, NetworkGatewayGroup.KIND, true, out);
    NetworkGatewayGroupSpec spec = group.getSpec();
    if (spec == null) {
      out.add(
          new Violation(
              "spec", "is required: spec.floatingIPs lists the group's floating IPv4 addresses"));
      return out;
    }
    List<String> ips = spec.getFloatingIPs();
    if (ips == null || ips.isEmpty()) {
      out.add(new Violation("spec.floatingIPs", "at least one floating IPv4 address is required"));
    } else if (ips.size() > SchemaPatterns.MAX_FLOATING_IPS) {
      out.add(
          new Violation(
              "spec.floatingIPs",
              "lists "
                  + ips.size()
                  + " addresses; a gateway group holds at most "
                  + SchemaPatterns.MAX_FLOATING_IPS));
    } else {
      Map<String, Integer> firstIndex = new HashMap<>();
      for (int i = 0; i < ips.size(); i++) {
        String field = "spec.floatingIPs[" + i + "]";
        String ip = ips.get(i);
        var problem = Ipv4Syntax.hostAddressProblem(ip);
        if (problem.isPresent()) {
          out.add(new Violation(field, problem.get()));
          continue;
        }
        Integer earlier = firstIndex.putIfAbsent(ip, i);
        if (earlier != null) {
          out.add(
              new Violation(
                  field, ip + " is listed twice: duplicate of spec.floatingIPs[" + earlier + "]"));
        }
      }
    }
    ObjectMetaRules.labels("spec.nodeSelector", spec.getNodeSelector(), out);
    return out;
  }
}

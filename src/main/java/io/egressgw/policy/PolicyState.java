package io.egressgw.policy;

import io.egressgw.program.NodeProgram.Egress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One policy as the compiler keeps it between events: its input, its destination prefixes parsed
 * once, where its traffic leaves (kept by {@link PolicyEgresses}) and the pods it selects (kept by
 * {@link RuleSets}).
 */
final class PolicyState {
  static final PolicyState[] NONE = new PolicyState[0];

  /** Sets of policies are sorted by name: the identical-prefix tie-break, smallest name wins. */
  static final Comparator<PolicyState> BY_NAME = Comparator.comparing(p -> p.name);

  final String name;
  final int egressId;
  PolicyInput input; // null until setInput
  Cidr[] prefixes = new Cidr[0]; // valid destinations, distinct, in input order
  List<String> invalidCidrs = List.of();
  boolean applied; // its gateway group exists and has a floating IP
  String egressIp; // the group's first floating IP, null when not applied
  String gatewayNode; // the node holding egressIp, null when none
  Egress egress; // what programs carry for it, null when not applied
  final Set<PodState> selected = new HashSet<>();

  PolicyState(String name, int egressId) {
    this.name = name;
    this.egressId = egressId;
  }

  /** Takes a new input and parses its destinations (invalid ones are kept for the outcome). */
  void setInput(PolicyInput in) {
    input = in;
    Set<Cidr> valid = new LinkedHashSet<>();
    List<String> invalid = new ArrayList<>();
    for (String text : in.destinationCidrs()) {
      Cidr cidr = Cidr.parse(text);
      if (cidr == null) {
        invalid.add(text);
      } else {
        valid.add(cidr);
      }
    }
    prefixes = valid.toArray(new Cidr[0]);
    invalidCidrs = List.copyOf(invalid);
  }
}

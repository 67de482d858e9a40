package io.egressgw.controller;

import io.egressgw.placement.PlacementNode;
import io.egressgw.placement.PlacementResult;
import io.egressgw.placement.PlacementSnapshot;
import io.egressgw.program.NodeProgram;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reconcile step after placement: the desired NodeProgram of every node, handed to the {@link
 * ProgramDistributor} (which bumps a node's generation only when its state changed and wakes its
 * agent's long-poll).
 *
 * <p>Until the policy compiler (package policy) is wired in, a node's program carries only the
 * floating IPs placement gave it; steering rules come from the compiler.
 */
@ApplicationScoped
public class ProgramStage {
  @Inject ChannelState state;

  /** Identifies the non-placement inputs (policies, pods, namespaces); equal means nothing changed. */
  public Object inputsFingerprint() {
    return List.of();
  }

  /** Compiles and publishes; false when something must be retried. */
  public boolean publish(PlacementSnapshot snapshot, PlacementResult result, Instant now) {
    Map<String, List<String>> held = new HashMap<>();
    result.assignment().forEach((ip, node) -> held.computeIfAbsent(node, n -> new ArrayList<>()).add(ip));
    Map<String, NodeProgram> desired = new HashMap<>();
    for (PlacementNode n : snapshot.nodes()) {
      List<String> ips = held.getOrDefault(n.name(), List.of()).stream().sorted().toList();
      desired.put(n.name(), new NodeProgram(n.name(), 0, Map.of(), Map.of(), Map.of(), ips));
    }
    state.programs().publish(desired);
    return true;
  }
}

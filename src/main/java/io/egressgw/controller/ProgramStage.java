package io.egressgw.controller;

import io.egressgw.api.v1.Destination;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.EgressNATPolicyStatus;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.api.v1.SourceRule;
import io.egressgw.kube.ResourceCache;
import io.egressgw.placement.PlacementResult;
import io.egressgw.policy.CompileResult;
import io.egressgw.policy.CompilerInput;
import io.egressgw.policy.GatewayInput;
import io.egressgw.policy.NamespaceInput;
import io.egressgw.policy.NodeInput;
import io.egressgw.policy.PodInput;
import io.egressgw.policy.PolicyCompiler;
import io.egressgw.policy.PolicyInput;
import io.egressgw.policy.PolicyOutcome;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * The reconcile steps after placement (reconcile thread only): compile every node's NodeProgram
 * with the policy compiler, hand them to the {@link ProgramDistributor} (a node's generation moves
 * only when its state changed, which wakes its agent's long-poll), and write each EgressNATPolicy's
 * status: observedGeneration, egressIP, gatewayNode, and the conditions
 *
 * <ul>
 *   <li>Accepted: the policy's gateway exists and has a floating IP (else False with the
 *       compiler's reason); invalid destinations are named in the message.
 *   <li>Programmed: every node whose program carries the policy acknowledged it ("N of M nodes
 *       programmed") and the egress IP has a holder; False (Pending / NoGateway) otherwise.
 * </ul>
 */
@ApplicationScoped
public class ProgramStage {
  private static final Logger LOG = Logger.getLogger(ProgramStage.class);
  public static final String ACCEPTED = "Accepted";
  public static final String PROGRAMMED = "Programmed";

  @Inject ChannelState state;
  @Inject ClusterCache cluster;
  @Inject ResourceCache resources;
  @Inject KubernetesClient client;
  @Inject Leadership leadership;
  @Inject ControllerMetrics metrics;

  private Map<String, Integer> egressIds = Map.of();
  private CompileResult last;
  private Map<String, Set<String>> nodesOfPolicy = Map.of();
  private final Map<String, EgressNATPolicyStatus> written = new HashMap<>();

  /** The compiler's inputs except the assignment; equal values mean nothing changed. */
  public CompilerInput inputs() {
    List<PolicyInput> policies = new ArrayList<>();
    for (EgressNATPolicy p : resources.egressPolicies().list()) {
      if (p.getSpec() == null) {
        continue;
      }
      List<PolicyInput.Rule> rules = new ArrayList<>();
      for (SourceRule r : p.getSpec().getSources() == null ? List.<SourceRule>of() : p.getSpec().getSources()) {
        rules.add(new PolicyInput.Rule(
            r.getNamespaceSelector() == null ? null : r.getNamespaceSelector().getMatchLabels(),
            r.getPodSelector() == null ? null : r.getPodSelector().getMatchLabels()));
      }
      List<String> cidrs = p.getSpec().getDestinations() == null ? List.of()
          : p.getSpec().getDestinations().stream().map(Destination::getCidr).filter(Objects::nonNull).toList();
      String gateway = p.getSpec().getGatewayRef() == null ? null
          : p.getSpec().getGatewayRef().getNamespace() + "/" + p.getSpec().getGatewayRef().getName();
      policies.add(new PolicyInput(p.getMetadata().getName(), rules, cidrs, gateway));
    }
    policies.sort(Comparator.comparing(PolicyInput::name));
    List<GatewayInput> gateways = new ArrayList<>();
    for (NetworkGatewayGroup g : resources.gatewayGroups().list()) {
      gateways.add(new GatewayInput(ControllerRuntime.key(g),
          g.getSpec() == null || g.getSpec().getFloatingIPs() == null ? List.of() : g.getSpec().getFloatingIPs()));
    }
    gateways.sort(Comparator.comparing(GatewayInput::key));
    List<NamespaceInput> namespaces = new ArrayList<>();
    for (Namespace n : cluster.namespaces()) {
      namespaces.add(new NamespaceInput(n.getMetadata().getName(), ClusterCache.labels(n)));
    }
    namespaces.sort(Comparator.comparing(NamespaceInput::name));
    List<PodInput> pods = new ArrayList<>();
    for (Pod p : cluster.pods()) {
      ClusterCache.PodFacts f = ClusterCache.facts(p);
      if (f.hostNetwork() || "Succeeded".equals(f.phase()) || "Failed".equals(f.phase())) {
        continue;
      }
      pods.add(new PodInput(f.namespace(), f.name(), f.labels(), f.ip(), f.node()));
    }
    pods.sort(Comparator.comparing(PodInput::key));
    List<NodeInput> nodes = new ArrayList<>();
    for (Node n : cluster.nodes()) {
      ClusterCache.NodeFacts f = ClusterCache.facts(n);
      String ip = state.liveness().report(f.name()).map(NodeReport::nodeIP).orElse(f.internalIP());
      nodes.add(new NodeInput(f.name(), ip));
    }
    nodes.sort(Comparator.comparing(NodeInput::name));
    return new CompilerInput(policies, gateways, namespaces, pods, nodes, Map.of());
  }

  /** Compiles and publishes programs, then writes policy status; false when a write must be retried. */
  public boolean publish(CompilerInput inputs, PlacementResult placement, Instant now) {
    CompilerInput full = new CompilerInput(inputs.policies(), inputs.gateways(), inputs.namespaces(),
        inputs.pods(), inputs.nodes(), placement.assignment());
    long t0 = System.nanoTime();
    CompileResult result = PolicyCompiler.compile(full, egressIds);
    metrics.compiled(Duration.ofNanos(System.nanoTime() - t0));
    egressIds = result.egressIds();
    last = result;
    Map<String, Set<String>> carriers = new HashMap<>();
    result.programs().forEach((node, program) -> program.egresses().values().forEach(e ->
        carriers.computeIfAbsent(e.policy(), p -> new TreeSet<>()).add(node)));
    nodesOfPolicy = carriers;
    state.programs().publish(result.programs());
    return refreshPolicyStatus();
  }

  /** Rewrites policy status where it changed (e.g. more nodes acknowledged); cheap when nothing did. */
  public boolean refreshPolicyStatus() {
    if (last == null) {
      return true;
    }
    boolean ok = true;
    for (EgressNATPolicy p : resources.egressPolicies().list()) {
      PolicyOutcome outcome = last.outcomes().get(p.getMetadata().getName());
      if (outcome == null) {
        continue;
      }
      Set<String> carriers = nodesOfPolicy.getOrDefault(outcome.policy(), Set.of());
      int programmed = (int) carriers.stream().filter(n -> state.programs().programmed(n)).count();
      EgressNATPolicyStatus desired = status(p, outcome, programmed, carriers.size(), Instant.now());
      ok &= write(p, desired);
    }
    return ok;
  }

  static EgressNATPolicyStatus status(
      EgressNATPolicy p, PolicyOutcome o, int programmed, int carriers, Instant now) {
    Long generation = p.getMetadata().getGeneration();
    var before = p.getStatus() == null ? null : p.getStatus().getConditions();
    String invalid = o.invalidCidrs().isEmpty() ? "" : " Ignored invalid destinations: " + String.join(", ", o.invalidCidrs()) + ".";
    var accepted = o.applied()
        ? Conditions.of(ACCEPTED, true, "Accepted", "The gateway resolves to egress IP " + o.egressIP() + "." + invalid, generation, now, before)
        : Conditions.of(ACCEPTED, false, "GatewayUnavailable", o.message(), generation, now, before);
    String counted = programmed + " of " + carriers + " nodes programmed";
    var programmedCondition =
        !o.applied() ? Conditions.of(PROGRAMMED, false, "NotAccepted", counted + ". " + o.message(), generation, now, before)
        : !o.ready() ? Conditions.of(PROGRAMMED, false, "NoGateway", counted + ". " + o.message(), generation, now, before)
        : programmed < carriers ? Conditions.of(PROGRAMMED, false, "Pending", counted + ".", generation, now, before)
        : Conditions.of(PROGRAMMED, true, "Programmed", counted + ".", generation, now, before);
    EgressNATPolicyStatus s = new EgressNATPolicyStatus();
    s.setObservedGeneration(generation);
    s.setEgressIP(o.egressIP());
    s.setGatewayNode(o.gatewayNode());
    s.setConditions(Conditions.list(accepted, programmedCondition));
    return s;
  }

  static boolean same(EgressNATPolicyStatus a, EgressNATPolicyStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(a.getEgressIP(), b.getEgressIP())
        && Objects.equals(a.getGatewayNode(), b.getGatewayNode())
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Conditions.same(a.getConditions(), b.getConditions());
  }

  private boolean write(EgressNATPolicy p, EgressNATPolicyStatus desired) {
    String name = p.getMetadata().getName();
    EgressNATPolicyStatus lastWritten = written.get(name);
    if (same(desired, lastWritten) || (lastWritten == null && same(desired, p.getStatus()))) {
      return true;
    }
    if (!leadership.isLeader()) {
      return false;
    }
    try {
      client.resources(EgressNATPolicy.class).withName(name).editStatus(cur -> {
        cur.setStatus(desired);
        return cur;
      });
      written.put(name, desired);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        written.remove(name);
        return true;
      }
      LOG.warnf("status of policy %s not written: %s", name, e.getMessage());
      return false;
    }
  }

  /** A new leadership: nothing is known to be written. */
  public void reset() {
    written.clear();
    last = null;
  }

  /** The last compile's programs (for tests and the benchmark). */
  public Map<String, NodeProgram> lastPrograms() {
    CompileResult r = last;
    return r == null ? Map.of() : r.programs();
  }
}

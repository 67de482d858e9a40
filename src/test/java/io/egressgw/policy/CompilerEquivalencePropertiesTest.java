package io.egressgw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeProgram.Route;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The incremental compiler after any sequence of events equals a full compile of the final state,
 * and every event reports exactly the nodes whose program changed.
 */
class CompilerEquivalencePropertiesTest {

  /** The inputs as the test keeps them, to build the full compile's input. */
  static final class World {
    final Map<String, PodInput> pods = new LinkedHashMap<>();
    final Map<String, NamespaceInput> namespaces = new LinkedHashMap<>();
    final Map<String, PolicyInput> policies = new LinkedHashMap<>();
    final Map<String, GatewayInput> gateways = new LinkedHashMap<>();
    final Map<String, NodeInput> nodes = new LinkedHashMap<>();
    final Map<String, String> assignment = new HashMap<>();
    List<String> excluded = List.of();

    CompilerInput input() {
      return new CompilerInput(
          List.copyOf(policies.values()),
          List.copyOf(gateways.values()),
          List.copyOf(namespaces.values()),
          List.copyOf(pods.values()),
          List.copyOf(nodes.values()),
          assignment,
          excluded);
    }
  }

  /** One informer event, applied to both the world and the compiler. */
  interface Event {
    Set<String> apply(World w, IncrementalCompiler c);
  }

  record PodUp(PodInput p) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.pods.put(p.key(), p);
      return c.podUpserted(p);
    }
  }

  record PodDel(String ns, String name) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.pods.remove(ns + "/" + name);
      return c.podDeleted(ns, name);
    }
  }

  record NsUp(NamespaceInput n) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.namespaces.put(n.name(), n);
      return c.namespaceUpserted(n);
    }
  }

  record NsDel(String name) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.namespaces.remove(name);
      return c.namespaceDeleted(name);
    }
  }

  record PolUp(PolicyInput p) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.policies.put(p.name(), p);
      return c.policyUpserted(p);
    }
  }

  record PolDel(String name) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.policies.remove(name);
      return c.policyDeleted(name);
    }
  }

  record GwUp(GatewayInput g) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.gateways.put(g.key(), g);
      return c.gatewayUpserted(g);
    }
  }

  record GwDel(String key) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.gateways.remove(key);
      return c.gatewayDeleted(key);
    }
  }

  record NodeUp(NodeInput n) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.nodes.put(n.name(), n);
      return c.nodeUpserted(n);
    }
  }

  record NodeDel(String name) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.nodes.remove(name);
      return c.nodeDeleted(name);
    }
  }

  record Move(String ip, String node) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      if (node == null) {
        w.assignment.remove(ip);
      } else {
        w.assignment.put(ip, node);
      }
      return c.floatingIpMoved(ip, node);
    }
  }

  record Reassign(Map<String, String> assignment) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.assignment.clear();
      w.assignment.putAll(assignment);
      return c.assignmentChanged(assignment);
    }
  }

  record Exclude(List<String> cidrs) implements Event {
    @Override
    public Set<String> apply(World w, IncrementalCompiler c) {
      w.excluded = cidrs;
      return c.excludedPrefixesChanged(cidrs);
    }
  }

  static final List<String> NODE_NAMES = List.of("n0", "n1", "n2", "n3");
  static final List<String> FLOATING = List.of("192.168.1.100", "192.168.1.101", "192.168.1.102");

  Arbitrary<Map<String, String>> labels(String key, String... values) {
    return Arbitraries.maps(Arbitraries.of(key), Arbitraries.of(values)).ofMaxSize(1);
  }

  Arbitrary<PodInput> pod() {
    return Combinators.combine(
            Arbitraries.of("ns0", "ns1", "ns2"),
            Arbitraries.of("p0", "p1", "p2", "p3", "p4"),
            labels("role", "frontend", "backend"),
            // Few addresses and nodes, so that recycled addresses (two pods, one IP) are common.
            Arbitraries.of("10.0.0.1", "10.0.0.2", "10.0.0.3").injectNull(0.15),
            Arbitraries.of("n0", "n1", "n2", "n9").injectNull(0.1))
        .as(PodInput::new);
  }

  Arbitrary<PolicyInput> policy() {
    Arbitrary<PolicyInput.Rule> rule =
        Combinators.combine(labels("user", "a", "b"), labels("role", "frontend", "backend"))
            .as(PolicyInput.Rule::new);
    return Combinators.combine(
            Arbitraries.of("pa", "pb", "pc"),
            rule.list().ofMaxSize(2),
            Arbitraries.of("8.8.8.0/24", "8.8.0.0/16", "1.1.1.1", "9.9.9.9/32", "bogus")
                .list()
                .ofMaxSize(3),
            Arbitraries.of("g/0", "g/1", "g/2"))
        .as(PolicyInput::new);
  }

  @Provide
  Arbitrary<List<Event>> events() {
    Arbitrary<Event> e =
        Arbitraries.oneOf(
            pod().map(PodUp::new),
            pod().map(PodUp::new),
            pod().map(PodUp::new),
            pod().map(p -> new PodDel(p.namespace(), p.name())),
            Combinators.combine(Arbitraries.of("ns0", "ns1", "ns2"), labels("user", "a", "b"))
                .as((n, l) -> (Event) new NsUp(new NamespaceInput(n, l))),
            Arbitraries.of("ns0", "ns1", "ns2").map(NsDel::new),
            policy().map(PolUp::new),
            policy().map(PolUp::new),
            Arbitraries.of("pa", "pb", "pc").map(PolDel::new),
            Combinators.combine(
                    Arbitraries.of("g/0", "g/1", "g/2"),
                    Arbitraries.of(FLOATING).list().uniqueElements().ofMaxSize(2))
                .as((k, ips) -> (Event) new GwUp(new GatewayInput(k, ips))),
            Arbitraries.of("g/0", "g/1", "g/2").map(GwDel::new),
            Combinators.combine(
                    Arbitraries.of(NODE_NAMES),
                    Arbitraries.of("192.168.1.1", "192.168.1.2", "192.168.1.3").injectNull(0.2))
                .as((n, ip) -> (Event) new NodeUp(new NodeInput(n, ip))),
            Arbitraries.of(NODE_NAMES).map(NodeDel::new),
            Combinators.combine(
                    Arbitraries.of(FLOATING),
                    Arbitraries.of("n0", "n1", "n2", "n9").injectNull(0.2))
                .as(Move::new),
            Arbitraries.maps(Arbitraries.of(FLOATING), Arbitraries.of("n0", "n1", "n2", "n3"))
                .map(Reassign::new),
            Arbitraries.of("10.0.0.0/24", "8.8.8.8/32", "10.0.0.9", "192.168.1.1/32", "bogus")
                .list()
                .ofMaxSize(3)
                .map(cidrs -> (Event) new Exclude(cidrs)));
    return e.list().ofMinSize(1).ofMaxSize(40);
  }

  @Property(tries = 400)
  void incrementalEqualsFullCompileAndReportsExactlyTheChangedNodes(
      @ForAll("events") List<Event> prefix, @ForAll("events") List<Event> events) {
    // A bulk-loaded start (the full compile path), then events (the incremental path).
    World w = new World();
    IncrementalCompiler scratch = new IncrementalCompiler();
    // A base every run starts from (events may remove it): nodes, gateways, placed egress IPs.
    List<Event> base =
        List.of(
            new NodeUp(new NodeInput("n0", "192.168.1.1")),
            new NodeUp(new NodeInput("n1", "192.168.1.2")),
            new NodeUp(new NodeInput("n2", "192.168.1.3")),
            new GwUp(new GatewayInput("g/0", List.of("192.168.1.100"))),
            new GwUp(new GatewayInput("g/1", List.of("192.168.1.101", "192.168.1.102"))),
            new Reassign(
                Map.of("192.168.1.100", "n0", "192.168.1.101", "n1", "192.168.1.102", "n0")));
    base.forEach(e -> e.apply(w, scratch));
    prefix.forEach(e -> e.apply(w, scratch));
    IncrementalCompiler c = IncrementalCompiler.of(w.input(), scratch.egressIds());
    assertSameAsFullCompile(w, c);

    for (Event e : events) {
      Map<String, NodeProgram> before = c.programs();

      Set<String> changed = e.apply(w, c);

      Map<String, NodeProgram> after = c.programs();
      Set<String> reallyChanged = new TreeSet<>();
      Set<String> all = new TreeSet<>(before.keySet());
      all.addAll(after.keySet());
      for (String n : all) {
        NodeProgram b = before.get(n);
        NodeProgram a = after.get(n);
        if (a == null || !a.sameStateAs(b)) {
          reallyChanged.add(n);
        }
      }
      assertEquals(reallyChanged, changed, "changed nodes after " + e);
      assertSameAsFullCompile(w, c);
    }
  }

  private static void assertSameAsFullCompile(World w, IncrementalCompiler c) {
    CompileResult full = PolicyCompiler.compile(w.input(), c.egressIds());
    assertEquals(
        CompilerFixtures.canonical(full.programs()), CompilerFixtures.canonical(c.programs()));
    assertEquals(
        NaiveCompiler.compile(w.input(), c.egressIds()),
        CompilerFixtures.canonical(c.programs()),
        "the naive oracle disagrees");
    assertEquals(full.outcomes(), c.outcomes());
    assertEquals(full.egressIds(), c.egressIds());
    // A rule set id means the same routes on every node.
    Map<Integer, List<Route>> seen = new HashMap<>();
    for (NodeProgram p : c.programs().values()) {
      p.ruleSets()
          .forEach(
              (id, routes) -> {
                List<Route> other = seen.putIfAbsent(id, routes);
                if (other != null) {
                  assertEquals(other, routes, "rule set " + id + " differs between nodes");
                }
              });
      assertEquals(
          (int) p.sources().values().stream().filter(id -> id != 0).distinct().count(),
          p.ruleSets().size(),
          p.node() + ": exactly the rule sets its sources use");
    }
  }
}

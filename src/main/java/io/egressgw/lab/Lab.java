package io.egressgw.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.lab.LabPlan.LabNode;
import io.egressgw.lab.LabPlan.LabPod;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The lab: a whole egress-gateway cluster on this machine. Real controller, real agents inside node
 * network namespaces, real eBPF; only the Kubernetes API is the embedded emulator.
 *
 * <pre>
 *   lab up | status | fail NODE [--connections N] | heal NODE | down
 *   lab restart controller | agent NODE kill|stop|cont|start | partition NODE on|off
 *   lab lan NODE cut|restore | chaos [--cycles N] [--faults a,b+c,...] [--outage-bound-ms M]
 * </pre>
 *
 * <p>Why this class is over 600 lines: it is the lab's command line, one method per subcommand,
 * each a short script over the parts that have classes of their own (LabNetwork, LabProcesses,
 * LabFault, LabChaos, LabInvariants). Its sections (up/down, status, fail/heal, single faults, the
 * Kubernetes side) are the next split, into one class per command group sharing a lab context.
 */
public final class Lab {
  static final String API = "http://127.0.0.1:8080";

  /** The controller's management interface: health and metrics are not on the API port. */
  static final String MANAGEMENT =
      "http://127.0.0.1:" + LabSystemProperties.CONTROLLER_MANAGEMENT_PORT;

  /** The controller's live status page (public static files over the REST API). */
  static final String STATUS_PAGE = API + "/ui/";

  private static final String USAGE =
      """
      usage: lab up | status | fail NODE [--connections N] | heal NODE | down
             lab restart controller | agent NODE kill|stop|cont|start
             lab partition NODE on|off   (the node <-> controller path only)
             lab lan NODE cut|restore    (the node's link at the bridge only)
             lab chaos [--cycles N] [--faults a,b+c,...] [--outage-bound-ms M] [--settle-ms S]
               faults: holder-death agent-kill agent-stop controller-restart controller-stop
                       controller-outage api-outage partition lan-cut (a+b: injected together)
      """;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final LabPlan plan = LabPlan.reference();
  private final Path dir;
  private final LabNetwork network;
  private final LabProcesses processes;

  Lab(Path dir, Path appJar) {
    this.dir = dir;
    this.network = new LabNetwork(plan);
    this.processes = new LabProcesses(dir, appJar);
  }

  public static void main(String[] args) throws Exception {
    Path dir =
        Path.of(Optional.ofNullable(System.getenv("EGW_LAB_DIR")).orElse("lab-run"))
            .toAbsolutePath();
    Path jar =
        Path.of(
                Optional.ofNullable(System.getenv("EGW_APP_JAR"))
                    .orElse("target/quarkus-app/quarkus-run.jar"))
            .toAbsolutePath();
    Lab lab = new Lab(dir, jar);
    String cmd = args.length == 0 ? "help" : args[0];
    if (!cmd.equals("help") && !"0".equals(Shell.run("id", "-u").out().trim())) {
      System.err.println("lab: must run as root (it creates network namespaces)");
      System.exit(2);
    }
    int rc =
        switch (cmd) {
          case "up" -> lab.up();
          case "status" -> lab.status();
          case "fail" -> lab.fail(arg(args), connections(args));
          case "heal" -> lab.heal(arg(args));
          case "down" -> lab.down();
          case "restart" -> lab.restart(arg(args));
          case "agent" -> lab.agentCommand(arg(args), args.length > 2 ? args[2] : "");
          case "partition" -> lab.partitionCommand(arg(args), args.length > 2 ? args[2] : "");
          case "lan" -> lab.lanCommand(arg(args), args.length > 2 ? args[2] : "");
          case "chaos" -> lab.chaos(List.of(args).subList(1, args.length));
          default -> {
            System.out.print(USAGE);
            yield cmd.equals("help") ? 0 : 2;
          }
        };
    System.exit(rc);
  }

  /** {@code --connections N} after the node (lab fail), else {@link #FAIL_CONNECTIONS}. */
  private static int connections(String[] args) {
    for (int i = 2; i + 1 < args.length; i++) {
      if (args[i].equals("--connections")) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return FAIL_CONNECTIONS;
  }

  private static String arg(String[] args) {
    if (args.length < 2) {
      System.err.println("lab: name a node, e.g. worker1");
      System.exit(2);
    }
    return args[1];
  }

  private static void step(String what) {
    System.out.println("  - " + what);
    System.out.flush();
  }

  // ---------------------------------------------------------------------------------------------
  // up / down

  int up() throws Exception {
    long t0 = System.nanoTime();
    if (!network.existing().isEmpty() || !processes.known().isEmpty() || Files.exists(bpffs())) {
      System.out.println("lab: cleaning up a previous lab first");
      down();
    }
    Files.createDirectories(dir);
    System.out.println("lab: building the network (namespaces only, prefix egw-)");
    network.build(Lab::step);
    Files.createDirectories(bpffs());
    Shell.must("mount", "-t", "bpf", "bpf", bpffs().toString());

    System.out.println(
        "lab: starting the outside world's echo service on "
            + plan.externalIP()
            + ":"
            + plan.externalPort());
    processes.start(
        "echo",
        Optional.of(plan.extNetns()),
        List.of(
            "java",
            "-Xmx32m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            appJar().getParent().resolve("app").resolve("*").toString(),
            LabEcho.class.getName(),
            String.valueOf(plan.externalPort())));

    System.out.println(
        "lab: starting the Kubernetes API emulator on " + LabSystemProperties.kubeApiUrl());
    processes.start(
        "kube-api", Optional.empty(), processes.java("kube-api", LabSystemProperties.kubeApi()));
    String kubeApiReady =
        "http://127.0.0.1:"
            + LabSystemProperties.KUBE_API_PROCESS_MANAGEMENT_PORT
            + "/q/health/ready";
    if (!waitFor(Duration.ofSeconds(90), () -> httpStatus(kubeApiReady) == 200)) {
      System.err.println(
          "lab: the Kubernetes API emulator did not become ready; see "
              + processes.log("kube-api"));
      return 1;
    }
    System.out.println("lab: starting the controller on " + API);
    if (!startController(Duration.ofSeconds(90))) {
      System.err.println(
          "lab: the controller did not become ready; see " + processes.log("controller"));
      return 1;
    }
    for (LabNode node : plan.nodes()) {
      startRelay(node);
    }
    try (KubernetesClient kube = kubeClient()) {
      System.out.println("lab: registering nodes, namespaces and pods with the Kubernetes API");
      seed(kube);
    }
    System.out.println("lab: starting one agent per node, inside the node's network namespace");
    for (LabNode node : plan.nodes()) {
      startAgent(node);
      step(node.name() + ": log " + processes.log("agent-" + node.name()));
    }
    // Every agent heartbeats (its node is Up, its subnets known) and runs a program before the
    // gateway group exists, so that placement sees all nodes, as in the reference.
    boolean agentsReady =
        waitFor(Duration.ofSeconds(90), () -> plan.nodes().stream().allMatch(this::agentReady));
    if (!agentsReady) {
      System.err.println("lab: not every agent became ready; see the agent logs in " + dir);
      return 1;
    }
    step("every agent is connected and programmed");
    System.out.println(
        "lab: applying the reference's NetworkGatewayGroup and EgressNATPolicy through the REST"
            + " API");
    applyReferenceObjects();
    boolean placed =
        waitFor(Duration.ofSeconds(60), () -> floatingIpMap().size() == 3 && policyProgrammed());
    if (!placed) {
      System.err.println(
          "lab: floating IPs not placed or policy not programmed in time; see logs in " + dir);
    }
    System.out.printf("lab: up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    System.out.println("lab: live status page " + STATUS_PAGE);
    System.out.println();
    return printStatus() && placed ? 0 : 1;
  }

  int down() {
    for (String name : processes.known()) {
      processes.kill(name);
    }
    network.remove();
    if (Files.exists(bpffs())) {
      Shell.run("umount", bpffs().toString());
      try {
        Files.deleteIfExists(bpffs());
      } catch (IOException e) {
        System.err.println("lab: could not remove " + bpffs() + ": " + e.getMessage());
      }
    }
    List<String> left = network.existing();
    System.out.println(left.isEmpty() ? "lab: down" : "lab: could not remove " + left);
    return left.isEmpty() ? 0 : 1;
  }

  private Path bpffs() {
    return dir.resolve("bpffs");
  }

  /** Asks the agent inside the node's namespace for its readiness (connected and programmed). */
  boolean agentReady(LabNode node) {
    return agentGet(node, "/q/health/ready").ok();
  }

  /** The agent's Prometheus metrics, read inside the node's namespace. */
  String agentMetrics(LabNode node) {
    return agentGet(node, "/q/metrics").out();
  }

  /** GET of a path on the agent's management port, from inside the node's namespace. */
  private static Shell.Result agentGet(LabNode node, String path) {
    return Shell.run(
        Duration.ofSeconds(3),
        "",
        List.of(
            "ip",
            "netns",
            "exec",
            node.netns(),
            "curl",
            "-sf",
            "-m",
            "2",
            "http://127.0.0.1:" + LabSystemProperties.AGENT_MANAGEMENT_PORT + path));
  }

  /**
   * Starts the controller (removing a stale socket first: its bind fails otherwise) and waits until
   * it answers ready.
   */
  boolean startController(Duration timeout) throws IOException, InterruptedException {
    Files.deleteIfExists(LabSystemProperties.controllerSocket(dir));
    processes.start(
        "controller",
        Optional.empty(),
        processes.java("controller", LabSystemProperties.controller(dir)));
    return waitFor(timeout, () -> httpStatus(MANAGEMENT + "/q/health/ready") == 200);
  }

  /** SIGKILL of the controller, as a crash or an evicted pod; the Kubernetes API keeps running. */
  void killController() {
    processes.kill("controller");
  }

  int restartController() throws Exception {
    long t0 = System.nanoTime();
    killController();
    boolean ready = startController(Duration.ofSeconds(90));
    System.out.printf(
        "lab: controller %s after %.1f s%n",
        ready ? "restarted and ready" : "NOT ready", (System.nanoTime() - t0) / 1e9);
    return ready ? 0 : 1;
  }

  /**
   * The node's path to the controller: a relay from the node's own socket to the controller's. In
   * the lab agents reach the controller over a Unix socket, which no packet filter inside the
   * node's namespace can cut; stopping this relay (SIGSTOP of its process group) cuts exactly this
   * node from the controller and nothing else, and leaves its connections hanging as a dropping
   * network would (no reset, no refusal).
   */
  private void startRelay(LabNode node) throws IOException {
    Path socket = LabSystemProperties.channelSocket(dir, node);
    Files.deleteIfExists(socket);
    processes.start(
        "relay-" + node.name(),
        Optional.empty(),
        List.of(
            "socat",
            "UNIX-LISTEN:" + socket + ",fork,unlink-early",
            "UNIX-CONNECT:" + LabSystemProperties.controllerSocket(dir)));
  }

  /** Partitions a node from the controller (true) or heals the partition (false). */
  boolean partition(LabNode node, boolean cut) {
    return processes.signal("relay-" + node.name(), cut ? "STOP" : "CONT");
  }

  /** Cuts a node's link at the bridge (false) or restores it (true); the agent keeps running. */
  void setLanLink(LabNode node, boolean up) {
    network.setLink(node, up);
  }

  /** Sends a signal (KILL, STOP, CONT) to a node's agent. */
  boolean signalAgent(LabNode node, String signal) {
    return processes.signal("agent-" + node.name(), signal);
  }

  /** Signals the controller's process (STOP: paused; CONT: running again). */
  boolean signalController(String signal) {
    return processes.signal("controller", signal);
  }

  /** Signals the Kubernetes API emulator's process (STOP: unreachable; CONT: back). */
  boolean signalKubeApi(String signal) {
    return processes.signal("kube-api", signal);
  }

  boolean agentAlive(LabNode node) {
    return processes.alive("agent-" + node.name());
  }

  boolean controllerAlive() {
    return processes.alive("controller");
  }

  /** Starts a node's agent again (after a kill) unless it runs. */
  void ensureAgent(LabNode node) throws IOException {
    if (!agentAlive(node)) {
      startAgent(node);
    }
  }

  /**
   * Makes the outside router forget its neighbours on the segment, so that its next packet to a
   * floating IP needs a fresh ARP answer.
   */
  void flushRouterNeighbours() {
    Shell.run("ip", "netns", "exec", plan.extNetns(), "ip", "neigh", "flush", "dev", "eth0");
  }

  /** Waits (bounded) until the node's agent answers ready. */
  boolean awaitAgentReady(LabNode node, Duration timeout) throws InterruptedException {
    return waitFor(timeout, () -> agentReady(node));
  }

  Path appJar() {
    return processes.appJar();
  }

  /** The health each node has in the gateway group's status ("Up", "Down"; empty when unknown). */
  Map<String, String> nodeHealth() {
    Map<String, String> health = new java.util.TreeMap<>();
    getJsonQuietly(API + "/v1/namespaces/kube-system/gateway-groups/default")
        .path("status")
        .path("nodes")
        .fields()
        .forEachRemaining(e -> health.put(e.getKey(), e.getValue().asText()));
    return health;
  }

  /** Extra system properties for every agent (tests: e.g. replication switched off). */
  List<String> agentOptions = List.of();

  private void startAgent(LabNode node) throws IOException {
    List<String> properties =
        new java.util.ArrayList<>(
            LabSystemProperties.agent(dir, node, bpffs().resolve(node.name())));
    properties.addAll(agentOptions);
    processes.start(
        "agent-" + node.name(),
        Optional.of(node.netns()),
        processes.java("agent-" + node.name(), properties));
  }

  /** Sets or clears spec.unschedulable of a Node (kubectl cordon / uncordon). */
  void cordon(String nodeName, boolean unschedulable) throws IOException {
    try (KubernetesClient kube = kubeClient()) {
      kube.nodes()
          .withName(nodeName)
          .edit(
              n -> {
                n.getSpec().setUnschedulable(unschedulable ? Boolean.TRUE : null);
                return n;
              });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // status

  int status() throws Exception {
    return printStatus() ? 0 : 1;
  }

  private boolean printStatus() throws Exception {
    JsonNode group = getJson(API + "/v1/namespaces/kube-system/gateway-groups/default");
    JsonNode policy = getJson(API + "/v1/egress-policies/egress");
    System.out.println("Nodes");
    for (LabNode node : plan.nodes()) {
      String health = group.path("status").path("nodes").path(node.name()).asText("-");
      System.out.printf(
          "  %-8s %-13s %-13s agent %s%n",
          node.name(),
          node.ip(),
          node.controlPlane() ? "control-plane" : "worker",
          processes.alive("agent-" + node.name()) ? "running" : "stopped");
      System.out.printf("           status: %s%n", health);
    }
    System.out.println("Floating IPs (kube-system/default)");
    floatingIpMap().forEach((ip, node) -> System.out.printf("  %-15s -> %s%n", ip, node));
    System.out.println("Policies");
    System.out.printf(
        "  %-8s egress IP %-15s gateway %-8s %s%n",
        "egress",
        policy.path("status").path("egressIP").asText("-"),
        policy.path("status").path("gatewayNode").asText("-"),
        conditions(policy));
    System.out.println("Pods: source address seen by " + plan.externalIP());
    boolean allAsExpected = true;
    for (LabPod pod : plan.pods()) {
      boolean nodeDown = !processes.alive("agent-" + pod.node());
      String seen =
          network.observedSource(pod, plan.externalIP(), Duration.ofSeconds(nodeDown ? 1 : 2));
      String expected = expectedSource(pod);
      boolean ok = seen.equals(expected);
      allAsExpected &= ok || nodeDown;
      System.out.printf(
          "  %-6s %-9s on %-8s seen %-15s expected %-15s %s%n",
          pod.namespace(),
          pod.name(),
          pod.node(),
          seen,
          expected,
          ok ? "ok" : nodeDown ? "(its node is down)" : "MISMATCH");
    }
    return allAsExpected;
  }

  private static String conditions(JsonNode object) {
    StringBuilder s = new StringBuilder();
    object
        .path("status")
        .path("conditions")
        .forEach(
            c ->
                s.append(c.path("type").asText())
                    .append('=')
                    .append(c.path("status").asText())
                    .append(' '));
    return s.toString().trim();
  }

  /**
   * The reference's selection: frontend pods of alice and paul leave with the first floating IP.
   */
  String expectedSource(LabPod pod) {
    boolean selected =
        pod.labels().get("role").equals("frontend")
            && (pod.namespace().equals("alice") || pod.namespace().equals("paul"));
    return selected ? LabPlan.FLOATING_IP_1 : plan.nodeOf(pod).ip();
  }

  // ---------------------------------------------------------------------------------------------
  // fail / heal

  /**
   * What a failover did: how long the probed pod's traffic needed to flow again, and where the IP
   * went.
   */
  record Failover(
      LabPod probe,
      Optional<Duration> recovery,
      String lastSeen,
      Map<String, String> before,
      Map<String, String> after,
      long cutNanos) {}

  /** How many open connections {@code lab fail} carries across the failure unless told. */
  static final int FAIL_CONNECTIONS = 20;

  /**
   * How long those connections stay busy: 2 s before the cut, the failover, then several seconds.
   */
  static final int FAIL_CONNECTION_SECONDS = 10;

  int fail(String nodeName) throws Exception {
    return fail(nodeName, FAIL_CONNECTIONS);
  }

  /**
   * Fails a node (as {@link #failAndMeasure}) with {@code connections} open connections from the
   * selected pods elsewhere (0: none), and prints how many of them the failover kept. Exit 1 when
   * traffic did not recover or a connection broke.
   */
  int fail(String nodeName, int connections) throws Exception {
    LabConnections open =
        connections == 0
            ? null
            : LabConnections.open(
                this, nodeName, connections, FAIL_CONNECTION_SECONDS, "fail-" + System.nanoTime());
    if (open != null) {
      Thread.sleep(2000); // connections established, their state replicated to the standby
    }
    Failover f = failAndMeasure(nodeName);
    if (f.recovery().isEmpty()) {
      System.out.printf(
          "lab: traffic of %s/%s did not recover within 30 s (last: %s)%n",
          f.probe().namespace(), f.probe().name(), f.lastSeen());
    } else {
      System.out.printf(
          "lab: %s/%s flows again via %s after %.3f s (from the cut to a successful TCP"
              + " exchange)%n",
          f.probe().namespace(),
          f.probe().name(),
          f.after().get(LabPlan.FLOATING_IP_1),
          f.recovery().get().toNanos() / 1e9);
      System.out.println("Floating IPs now");
      f.after()
          .forEach(
              (ip, n) ->
                  System.out.printf(
                      "  %-15s -> %s (was %s)%n", ip, n, f.before().getOrDefault(ip, "-")));
    }
    boolean allKept = true;
    if (open != null) {
      LabFlows.Outcome o = open.finish();
      allKept = o.broken(LabPlan.FLOATING_IP_1).isEmpty() && open.leaks().none();
      System.out.println("lab: the failover " + open.report(o));
    }
    return f.recovery().isPresent() && allKept ? 0 : 1;
  }

  /**
   * Takes a node down (agent killed, link cut) and probes a selected pod on another node with short
   * TCP exchanges until the outside world sees the egress IP again.
   */
  Failover failAndMeasure(String nodeName) throws Exception {
    LabNode node =
        plan.node(nodeName).orElseThrow(() -> new IllegalArgumentException("no node " + nodeName));
    Map<String, String> before = floatingIpMap();
    LabPod probe =
        plan.pods().stream()
            .filter(
                p -> expectedSource(p).equals(LabPlan.FLOATING_IP_1) && !p.node().equals(nodeName))
            .findFirst()
            .orElseThrow();
    System.out.printf(
        "lab: failing %s (agent killed, link cut)%s%n",
        nodeName,
        nodeName.equals(before.get(LabPlan.FLOATING_IP_1))
            ? "; it holds the egress IP " + LabPlan.FLOATING_IP_1
            : "");
    long cut = System.nanoTime();
    processes.crash("agent-" + nodeName);
    network.setLink(node, false);
    long deadline = cut + Duration.ofSeconds(30).toNanos();
    String seen = "";
    while (System.nanoTime() < deadline) {
      seen = network.observedSource(probe, plan.externalIP(), Duration.ofMillis(300));
      if (seen.equals(LabPlan.FLOATING_IP_1)) {
        Duration recovery = Duration.ofNanos(System.nanoTime() - cut);
        processes.kill("agent-" + nodeName);
        return new Failover(probe, Optional.of(recovery), seen, before, floatingIpMap(), cut);
      }
    }
    processes.kill("agent-" + nodeName);
    return new Failover(probe, Optional.empty(), seen, before, floatingIpMap(), cut);
  }

  /** The source address the outside world sees for each pod now. */
  Map<LabPod, String> observedSources() {
    Map<LabPod, String> seen = new LinkedHashMap<>();
    plan.pods()
        .forEach(
            p -> seen.put(p, network.observedSource(p, plan.externalIP(), Duration.ofSeconds(2))));
    return seen;
  }

  /** The source address the outside world sees for one pod now ("no answer" when none). */
  String observedSource(LabPod pod, Duration timeout) {
    return network.observedSource(pod, plan.externalIP(), timeout);
  }

  /**
   * Adds a source rule to the lab's policy "egress" through the REST API, as the README's PUT does;
   * returns the HTTP status.
   */
  int addSourceRule(Map<String, String> namespaceLabels, Map<String, String> podLabels)
      throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode policy =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            getJson(API + "/v1/egress-policies/egress").deepCopy();
    policy.remove("status");
    com.fasterxml.jackson.databind.node.ObjectNode rule =
        ((com.fasterxml.jackson.databind.node.ArrayNode) policy.path("spec").path("sources"))
            .addObject();
    rule.putObject("namespaceSelector").set("matchLabels", JSON.valueToTree(namespaceLabels));
    rule.putObject("podSelector").set("matchLabels", JSON.valueToTree(podLabels));
    return send("PUT", API + "/v1/egress-policies/egress", JSON.writeValueAsString(policy))
        .statusCode();
  }

  LabPlan plan() {
    return plan;
  }

  Path dir() {
    return dir;
  }

  LabProcesses processes() {
    return processes;
  }

  List<String> namespacesLeft() {
    return network.existing();
  }

  Map<String, String> floatingIPs() {
    return floatingIpMap();
  }

  int heal(String nodeName) throws Exception {
    LabNode node =
        plan.node(nodeName).orElseThrow(() -> new IllegalArgumentException("no node " + nodeName));
    network.setLink(node, true);
    if (!processes.alive("agent-" + nodeName)) {
      startAgent(node);
    }
    boolean up =
        waitFor(
            Duration.ofSeconds(60),
            () ->
                "Up"
                    .equals(
                        getJsonQuietly(API + "/v1/namespaces/kube-system/gateway-groups/default")
                            .path("status")
                            .path("nodes")
                            .path(nodeName)
                            .asText()));
    System.out.printf(
        "lab: %s %s; floating IPs stay where they are (no move back)%n",
        nodeName, up ? "is Up again" : "did not come back within 60 s");
    return up ? 0 : 1;
  }

  // ---------------------------------------------------------------------------------------------
  // single faults, by hand (the chaos harness injects the same)

  int restart(String what) throws Exception {
    if (!what.equals("controller")) {
      System.err.println("lab: only the controller restarts this way (agents: lab agent NODE ...)");
      return 2;
    }
    return restartController();
  }

  int agentCommand(String nodeName, String action) throws Exception {
    LabNode node =
        plan.node(nodeName).orElseThrow(() -> new IllegalArgumentException("no node " + nodeName));
    switch (action) {
      case "kill" -> signalAgent(node, "KILL");
      case "stop" -> signalAgent(node, "STOP");
      case "cont" -> signalAgent(node, "CONT");
      case "start" -> ensureAgent(node);
      default -> {
        System.err.println("lab: agent NODE kill|stop|cont|start");
        return 2;
      }
    }
    System.out.printf("lab: agent of %s: %s (running: %s)%n", nodeName, action, agentAlive(node));
    return 0;
  }

  int partitionCommand(String nodeName, String onOff) {
    LabNode node =
        plan.node(nodeName).orElseThrow(() -> new IllegalArgumentException("no node " + nodeName));
    if (!onOff.equals("on") && !onOff.equals("off")) {
      System.err.println("lab: partition NODE on|off");
      return 2;
    }
    boolean ok = partition(node, onOff.equals("on"));
    System.out.printf(
        "lab: %s %s the controller%s%n",
        nodeName,
        onOff.equals("on") ? "cut from" : "reconnected to",
        ok ? "" : " FAILED (is the lab up?)");
    return ok ? 0 : 1;
  }

  int lanCommand(String nodeName, String action) {
    LabNode node =
        plan.node(nodeName).orElseThrow(() -> new IllegalArgumentException("no node " + nodeName));
    if (!action.equals("cut") && !action.equals("restore")) {
      System.err.println("lab: lan NODE cut|restore");
      return 2;
    }
    setLanLink(node, action.equals("restore"));
    System.out.printf(
        "lab: %s's link at the bridge %s%n", nodeName, action.equals("cut") ? "cut" : "restored");
    return 0;
  }

  int chaos(List<String> args) throws Exception {
    LabChaos.Settings settings = LabChaos.Settings.parse(args);
    if (!controllerAlive() || network.existing().isEmpty()) {
      System.out.println("lab: the lab is not up; bringing it up first");
      if (up() != 0) {
        return 1;
      }
    }
    long t0 = System.nanoTime();
    List<LabChaos.Row> rows = new LabChaos(this, settings).run();
    System.out.printf(
        "%nlab chaos: %d cycles per fault, outage bound %d ms, settle %d ms, %.0f s%n%n",
        settings.cycles(),
        settings.bounds().outage().toMillis(),
        settings.bounds().settle().toMillis(),
        (System.nanoTime() - t0) / 1e9);
    System.out.print(LabChaos.table(rows));
    boolean broken = rows.stream().anyMatch(r -> r.breaches() > 0);
    System.out.println(broken ? "lab chaos: INVARIANTS BROKEN" : "lab chaos: no invariant broken");
    return broken ? 1 : 0;
  }

  // ---------------------------------------------------------------------------------------------
  // the Kubernetes side

  private KubernetesClient kubeClient() throws IOException {
    String url = LabSystemProperties.kubeApiUrl();
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder()
                .withMasterUrl(url)
                .withTrustCerts(true)
                .withNamespace("default")
                .build())
        .build();
  }

  private void seed(KubernetesClient kube) {
    for (LabNode node : plan.nodes()) {
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("kubernetes.io/hostname", node.name());
      labels.put(
          node.controlPlane()
              ? "node-role.kubernetes.io/control-plane"
              : "node-role.kubernetes.io/worker",
          "");
      kube.nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(node.name())
                  .withLabels(labels)
                  .endMetadata()
                  .withNewSpec()
                  .withPodCIDR(node.podCidr())
                  .endSpec()
                  .withNewStatus()
                  .addNewAddress()
                  .withType("InternalIP")
                  .withAddress(node.ip())
                  .endAddress()
                  .addNewCondition()
                  .withType("Ready")
                  .withStatus("True")
                  .withReason("KubeletReady")
                  .endCondition()
                  .endStatus()
                  .build())
          .createOr(existing -> existing.update());
      step("node " + node.name());
    }
    for (var ns : plan.namespaces()) {
      kube.namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns.name())
                  .withLabels(ns.labels())
                  .endMetadata()
                  .build())
          .createOr(existing -> existing.update());
      step("namespace " + ns.name() + " " + ns.labels());
    }
    for (LabPod pod : plan.pods()) {
      kube.pods()
          .inNamespace(pod.namespace())
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(pod.name())
                  .withNamespace(pod.namespace())
                  .withLabels(pod.labels())
                  .endMetadata()
                  .withNewSpec()
                  .withNodeName(pod.node())
                  .addNewContainer()
                  .withName("app")
                  .withImage("lab")
                  .endContainer()
                  .endSpec()
                  .withNewStatus()
                  .withPhase("Running")
                  .withPodIP(pod.ip())
                  .endStatus()
                  .build())
          .createOr(existing -> existing.update());
      step("pod " + pod.namespace() + "/" + pod.name() + " " + pod.ip() + " on " + pod.node());
    }
  }

  private void applyReferenceObjects() throws Exception {
    String group =
        """
        {"apiVersion":"networking.gke.io/v1","kind":"NetworkGatewayGroup",
         "metadata":{"namespace":"kube-system","name":"default"},
         "spec":{"floatingIPs":["192.168.1.100","192.168.1.101","192.168.1.102"]}}\
        """;
    String policy =
        """
        {"apiVersion":"networking.gke.io/v1","kind":"EgressNATPolicy","metadata":{"name":"egress"},
         "spec":{"sources":[
            {"namespaceSelector":{"matchLabels":{"user":"alice"}},"podSelector":{"matchLabels":{"role":"frontend"}}},
            {"namespaceSelector":{"matchLabels":{"user":"paul"}},"podSelector":{"matchLabels":{"role":"frontend"}}}],
          "action":"SNAT","destinations":[{"cidr":"203.0.113.0/24"}],
          "gatewayRef":{"name":"default","namespace":"kube-system"}}}\
        """;
    post(API + "/v1/namespaces/kube-system/gateway-groups", group);
    step("NetworkGatewayGroup kube-system/default: 192.168.1.100, .101, .102");
    post(API + "/v1/egress-policies", policy);
    step(
        "EgressNATPolicy egress: alice or paul, role frontend, to 203.0.113.0/24, via"
            + " kube-system/default");
  }

  private Map<String, String> floatingIpMap() {
    Map<String, String> map = new java.util.TreeMap<>();
    getJsonQuietly(API + "/v1/namespaces/kube-system/gateway-groups/default")
        .path("status")
        .path("floatingIPs")
        .fields()
        .forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  private boolean policyProgrammed() {
    JsonNode policy = getJsonQuietly(API + "/v1/egress-policies/egress");
    for (JsonNode c : policy.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Programmed")) {
        return c.path("status").asText().equals("True");
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  private static HttpResponse<String> send(String method, String url, String json)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void post(String url, String body) throws Exception {
    HttpResponse<String> r = send("POST", url, body);
    if (r.statusCode() / 100 != 2 && r.statusCode() != 409) {
      throw new IllegalStateException("POST " + url + " -> " + r.statusCode() + " " + r.body());
    }
  }

  private static JsonNode getJson(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
  }

  private static JsonNode getJsonQuietly(String url) {
    try {
      return getJson(url);
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  /** The controller's leader grace in the lab (its default, {@code leader-grace}). */
  static final Duration LEADER_GRACE = Duration.ofSeconds(3);

  /**
   * Waits until the controller leads (its {@code egressgw_leader} gauge is 1) and then for its
   * leader grace: a new leader declares nobody Down during it, by design (ARCHITECTURE "A new
   * leader"), so a fault injected before it ends is detected only when it ends.
   */
  boolean awaitControllerLeadingPastGrace(Duration timeout) throws InterruptedException {
    boolean leads =
        waitFor(
            timeout,
            () -> {
              try {
                String metrics =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create(MANAGEMENT + "/q/metrics"))
                                .timeout(Duration.ofSeconds(2))
                                .GET()
                                .build(),
                            HttpResponse.BodyHandlers.ofString())
                        .body();
                return metrics.lines().anyMatch(l -> l.matches("egressgw_leader(\\{.*\\})? 1\\.0"));
              } catch (Exception e) {
                return false;
              }
            });
    if (leads) {
      Thread.sleep(LEADER_GRACE.toMillis() + 500);
    }
    return leads;
  }

  private static int httpStatus(String url) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static boolean waitFor(Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }
}

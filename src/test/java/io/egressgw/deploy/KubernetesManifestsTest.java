package io.egressgw.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders k8s/ the way `kubectl apply -k k8s/` would (namespace and image transforms of our
 * kustomization) and checks that what an operator installs is coherent: every object parses, RBAC
 * covers every API call the code makes, and images and ports agree with the image definition and
 * application.properties. Needs no kubectl.
 */
class KubernetesManifestsTest {
  static final Path K8S = Path.of("k8s");
  static List<HasMetadata> objects;
  static Map<String, Object> kustomization;

  /**
   * Every Kubernetes API call the controller makes: apiGroup, resource, verb. The agent makes none.
   * A change of code that adds a call must add its row here, and the test then demands the RBAC.
   */
  static List<String[]> controllerApiCalls() {
    return List.of(
        // informers and REST writes on the custom resources
        row(
            "networking.gke.io",
            "networkgatewaygroups",
            "get list watch create update patch delete"),
        row("networking.gke.io", "egressnatpolicies", "get list watch create update patch delete"),
        row("networking.gke.io", "networkgatewaygroups/status", "get update patch"),
        row("networking.gke.io", "egressnatpolicies/status", "get update patch"),
        // informers feeding placement and the policy compiler
        row("", "nodes", "get list watch"),
        // the start-up taint egressgw.io/agent-not-ready is removed once the node is programmed
        row("", "nodes", "patch"),
        row("", "pods", "get list watch"),
        row("", "namespaces", "get list watch"),
        // an Event for every floating IP move
        row("", "events", "create patch"),
        // leader election
        row("coordination.k8s.io", "leases", "get create update"),
        // controller-init: shared TLS material and signing key, the agents' trust ConfigMap
        row("", "secrets", "get create update"),
        row("", "configmaps", "get create update"),
        row("admissionregistration.k8s.io", "validatingwebhookconfigurations", "get patch"),
        // authentication of agents (TokenReview) and REST callers (TokenReview,
        // SubjectAccessReview)
        row("authentication.k8s.io", "tokenreviews", "create"),
        row("authorization.k8s.io", "subjectaccessreviews", "create"));
  }

  static String[] row(String group, String resource, String verbs) {
    return new String[] {group, resource, verbs};
  }

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void render() throws IOException {
    kustomization =
        new ObjectMapper(new YAMLFactory())
            .readValue(K8S.resolve("kustomization.yaml").toFile(), Map.class);
    objects = KustomizeBase.render();
  }

  static boolean isNamespaced(HasMetadata o) {
    return !(o instanceof Namespace
        || o instanceof CustomResourceDefinition
        || o instanceof ClusterRole
        || o.getKind().startsWith("ClusterRole")
        || o.getKind().startsWith("Validating"));
  }

  static java.util.Optional<PodSpec> podSpec(HasMetadata o) {
    if (o instanceof Deployment d) {
      return java.util.Optional.of(d.getSpec().getTemplate().getSpec());
    }
    if (o instanceof DaemonSet d) {
      return java.util.Optional.of(d.getSpec().getTemplate().getSpec());
    }
    return java.util.Optional.empty();
  }

  <T extends HasMetadata> T only(Class<T> type, String namespace, String name) {
    List<T> found =
        objects.stream()
            .filter(type::isInstance)
            .map(type::cast)
            .filter(o -> o.getMetadata().getName().equals(name))
            .filter(o -> namespace.equals(o.getMetadata().getNamespace()))
            .toList();
    assertThat(found).as("%s %s/%s", type.getSimpleName(), namespace, name).hasSize(1);
    return found.get(0);
  }

  <T extends HasMetadata> T only(Class<T> type, String name) {
    List<T> found =
        objects.stream()
            .filter(type::isInstance)
            .map(type::cast)
            .filter(o -> o.getMetadata().getName().equals(name))
            .toList();
    assertThat(found).as("%s %s", type.getSimpleName(), name).hasSize(1);
    return found.get(0);
  }

  /** What lives in the agents' namespace; every other namespaced object is the controller's. */
  static boolean agentSide(HasMetadata o) {
    String name = o.getMetadata().getName();
    return name.equals("egressgw-agent")
        || name.equals("egressgw-agent-settings")
        || (o.getKind().startsWith("Role")
            && "egressgw-agent".equals(o.getMetadata().getNamespace()));
  }

  @Test
  void everyObjectParsesAndNamespacedOnesLandInTheControllersOrTheAgentsNamespace() {
    assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getName()).isNotBlank());
    assertThat(objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet()))
        .contains(
            "Namespace",
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole",
            "Role",
            "Deployment",
            "DaemonSet",
            "Service",
            "ValidatingWebhookConfiguration",
            "NetworkPolicy");
    objects.stream()
        .filter(KubernetesManifestsTest::isNamespaced)
        .forEach(
            o ->
                assertThat(o.getMetadata().getNamespace())
                    .as("namespace of %s %s", o.getKind(), o.getMetadata().getName())
                    .isEqualTo(agentSide(o) ? "egressgw-agent" : "egressgw-system"));
  }

  /**
   * Issue 15: only the agent needs `privileged` (hostNetwork, /sys/fs/bpf, BPF capabilities); the
   * controller, which holds the cluster's key material and answers the REST API, runs under
   * `restricted` in a namespace of its own.
   */
  @Test
  void theControllersNamespaceEnforcesRestrictedAndTheAgentsPrivileged() {
    assertThat(only(Namespace.class, "egressgw-system").getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted")
        .containsEntry("pod-security.kubernetes.io/audit", "restricted")
        .containsEntry("pod-security.kubernetes.io/warn", "restricted");
    assertThat(only(Namespace.class, "egressgw-agent").getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "privileged");
  }

  @Test
  void theControllerPodPassesPodSecurityRestricted() {
    assertPassesRestricted(podSpec(only(Deployment.class, "egressgw-controller")).orElseThrow());
  }

  /**
   * The checks of Pod Security's `restricted` level (Kubernetes 1.25+) that a pod spec can fail: no
   * host namespaces, ports or paths, non-root with RuntimeDefault seccomp, and per container no
   * privilege, no escalation, every capability dropped; plus our own read-only root filesystem.
   */
  static void assertPassesRestricted(PodSpec spec) {
    assertThat(Boolean.TRUE.equals(spec.getHostNetwork())).as("hostNetwork").isFalse();
    assertThat(Boolean.TRUE.equals(spec.getHostPID())).as("hostPID").isFalse();
    assertThat(Boolean.TRUE.equals(spec.getHostIPC())).as("hostIPC").isFalse();
    assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(spec.getSecurityContext().getRunAsUser()).isNotNull().isNotZero();
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(spec.getVolumes())
        .allSatisfy(
            v ->
                assertThat(
                        v.getEmptyDir() != null
                            || v.getConfigMap() != null
                            || v.getSecret() != null
                            || v.getProjected() != null)
                    .as("volume %s is of a kind restricted allows", v.getName())
                    .isTrue());
    List<Container> containers = new ArrayList<>(spec.getInitContainers());
    containers.addAll(spec.getContainers());
    assertThat(containers).isNotEmpty();
    for (Container c : containers) {
      var sc = c.getSecurityContext();
      assertThat(sc).as(c.getName()).isNotNull();
      assertThat(Boolean.TRUE.equals(sc.getPrivileged())).as(c.getName()).isFalse();
      assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
      assertThat(sc.getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
      assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
      assertThat(Long.valueOf(0).equals(sc.getRunAsUser())).as(c.getName()).isFalse();
      assertThat(Boolean.FALSE.equals(sc.getRunAsNonRoot())).as(c.getName()).isFalse();
      assertThat(c.getPorts())
          .as(c.getName())
          .allSatisfy(p -> assertThat(p.getHostPort()).isNull());
    }
    // Quarkus writes to /tmp (Vert.x file cache): an emptyDir, since the root is read-only.
    assertThat(spec.getContainers())
        .allSatisfy(
            c -> assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp")));
  }

  @Test
  void theCrdsAreTheGeneratedOnesForBothKinds() {
    assertThat(
            only(CustomResourceDefinition.class, "networkgatewaygroups.networking.gke.io")
                .getSpec()
                .getScope())
        .isEqualTo("Namespaced");
    assertThat(
            only(CustomResourceDefinition.class, "egressnatpolicies.networking.gke.io")
                .getSpec()
                .getScope())
        .isEqualTo("Cluster");
  }

  @ParameterizedTest(name = "controller may {2} {0}/{1}")
  @MethodSource("controllerApiCalls")
  void rbacCoversEveryApiCallTheControllerMakes(String group, String resource, String verbs) {
    List<PolicyRule> rules = new ArrayList<>();
    rules.addAll(only(ClusterRole.class, "egressgw-controller").getRules());
    rules.addAll(only(Role.class, "egressgw-system", "egressgw-controller").getRules());
    rules.addAll(only(Role.class, "egressgw-agent", "egressgw-controller").getRules());
    for (String verb : verbs.split(" ")) {
      assertThat(rules)
          .as("a rule granting %s on %s/%s", verb, group, resource)
          .anyMatch(
              r ->
                  r.getApiGroups().contains(group)
                      && r.getResources().contains(resource)
                      && r.getVerbs().contains(verb));
    }
  }

  @Test
  void theAgentHasNoKubernetesApiPermissionsAndNoAutomountedToken() {
    assertThat(objects)
        .filteredOn(o -> o.getKind().endsWith("Binding"))
        .noneMatch(o -> Serialization.asYaml(o).contains("name: egressgw-agent"));
    assertThat(only(ServiceAccount.class, "egressgw-agent").getAutomountServiceAccountToken())
        .isFalse();
  }

  @Test
  void theAgentRunsWithOnlyTheCapabilitiesItNeedsNotPrivileged() {
    Container agent =
        podSpec(only(DaemonSet.class, "egressgw-agent")).orElseThrow().getContainers().get(0);
    assertThat(agent.getSecurityContext().getPrivileged()).isFalse();
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .containsExactlyInAnyOrder("BPF", "PERFMON", "NET_ADMIN", "NET_RAW");
    assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(podSpec(only(DaemonSet.class, "egressgw-agent")).orElseThrow().getHostNetwork())
        .isTrue();
    assertThat(agent.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/sys/fs/bpf"));
  }

  @Test
  void theControllerRunsTwoReplicasWithHealthProbes() {
    Deployment controller = only(Deployment.class, "egressgw-controller");
    assertThat(controller.getSpec().getReplicas()).isEqualTo(2);
    Container c = controller.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
  }

  @Test
  void imagesAndPortsAgreeWithTheImageDefinitionAndApplicationProperties() throws IOException {
    String dockerfile = Files.readString(Path.of("src/main/docker/Dockerfile.jvm"));
    Set<Integer> exposed = new java.util.HashSet<>();
    Matcher m = Pattern.compile("(?m)^EXPOSE (.*)$").matcher(dockerfile);
    while (m.find()) {
      for (String p : m.group(1).trim().split("\\s+")) {
        exposed.add(Integer.parseInt(p));
      }
    }
    assertThat(dockerfile).contains("target/quarkus-app");

    Properties props = new Properties();
    try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
      props.load(in);
    }
    int httpsPort = Integer.parseInt(props.getProperty("quarkus.http.ssl-port", "8443"));
    int managementPort = Integer.parseInt(props.getProperty("quarkus.management.port"));

    Container controller =
        podSpec(only(Deployment.class, "egressgw-controller")).orElseThrow().getContainers().get(0);
    Container agent =
        podSpec(only(DaemonSet.class, "egressgw-agent")).orElseThrow().getContainers().get(0);
    String image = kustomization.get("images").toString();
    assertThat(controller.getImage())
        .isEqualTo(agent.getImage())
        .isEqualTo("egressgw/egressgw:0.1.0");
    assertThat(image).contains("name=egressgw");

    // Issue 15: HTTPS only on the API port; health and metrics on the management interface.
    int channelPort = Integer.parseInt(env(controller, "EGRESSGW_CONTROLLER_CHANNEL_PORT"));
    assertThat(ports(controller))
        .containsOnlyKeys("https", "agent-channel", "management")
        .containsEntry("https", httpsPort)
        .containsEntry("agent-channel", channelPort)
        .containsEntry("management", managementPort);
    assertThat(env(controller, "QUARKUS_HTTP_INSECURE_REQUESTS")).isEqualTo("disabled");
    for (var probe : List.of(controller.getReadinessProbe(), controller.getLivenessProbe())) {
      assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }
    // The agent: the management interface on the node address, no other listener.
    int agentPort = Integer.parseInt(env(agent, "QUARKUS_MANAGEMENT_PORT"));
    assertThat(ports(agent)).containsOnlyKeys("management").containsEntry("management", agentPort);
    assertThat(env(agent, "QUARKUS_HTTP_HOST_ENABLED")).isEqualTo("false");
    assertThat(agent.getEnv())
        .anyMatch(
            e ->
                e.getName().equals("QUARKUS_MANAGEMENT_HOST")
                    && "status.hostIP".equals(e.getValueFrom().getFieldRef().getFieldPath()));
    for (var probe : List.of(agent.getReadinessProbe(), agent.getLivenessProbe())) {
      assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }
    assertThat(exposed).contains(httpsPort, channelPort, managementPort, agentPort);

    // The NetworkPolicy: the API port from anywhere, the channel's from node addresses only, and
    // no rule for the management port (the kubelet on the pod's node is always admitted).
    var ingress =
        only(
                io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class,
                "egressgw-controller")
            .getSpec()
            .getIngress();
    assertThat(ingress)
        .extracting(r -> r.getPorts().get(0).getPort().getIntVal())
        .containsExactly(httpsPort, channelPort);
    assertThat(ingress.get(1).getFrom()).isNotEmpty().allMatch(f -> f.getIpBlock() != null);
    assertThat(env(controller, "EGRESSGW_ROLE")).isEqualTo("controller");
    assertThat(env(agent, "EGRESSGW_ROLE")).isEqualTo("agent");
  }

  @Test
  void theWebhookCertificateInitStepRunsAClassOfThisApplicationAndFeedsTheHttpsListener()
      throws Exception {
    PodSpec spec = podSpec(only(Deployment.class, "egressgw-controller")).orElseThrow();
    Container init = spec.getInitContainers().get(0);
    String mainClass = init.getCommand().get(init.getCommand().indexOf("-cp") + 2);
    assertThat(Class.forName(mainClass).getMethod("main", String[].class)).isNotNull();
    Container controller = spec.getContainers().get(0);
    assertThat(env(controller, "QUARKUS_HTTP_SSL_CERTIFICATE_FILES"))
        .startsWith(init.getCommand().get(init.getCommand().size() - 1));
    // Quarkus registers its reloader (which ServingCertificateSchedule triggers after a renewal)
    // only with a reload period, of at least 30 s.
    assertThat(
            java.time.Duration.parse(
                "PT" + env(controller, "QUARKUS_HTTP_SSL_CERTIFICATE_RELOAD_PERIOD")))
        .isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(init.getVolumeMounts()).anyMatch(m -> m.getName().equals("run"));
    // Writable: the leader renews the leaf while running and every replica rewrites tls/.
    assertThat(controller.getVolumeMounts())
        .anyMatch(m -> m.getName().equals("run") && !Boolean.TRUE.equals(m.getReadOnly()));
  }

  @Test
  void agentAndControllerAgreeOnTheChannel() {
    Container agent =
        podSpec(only(DaemonSet.class, "egressgw-agent")).orElseThrow().getContainers().get(0);
    Container controller =
        podSpec(only(Deployment.class, "egressgw-controller")).orElseThrow().getContainers().get(0);
    // Agents reach the leader only (its pod label), and verify the controller Service's name.
    io.fabric8.kubernetes.api.model.Service service =
        only(io.fabric8.kubernetes.api.model.Service.class, "egressgw-controller-leader");
    io.fabric8.kubernetes.api.model.Service controllerService =
        only(io.fabric8.kubernetes.api.model.Service.class, "egressgw-controller");
    String url = env(agent, "EGRESSGW_AGENT_CHANNEL_CONTROLLER_URL");
    assertThat(url)
        .isEqualTo(
            "https://"
                + service.getMetadata().getName()
                + "."
                + service.getMetadata().getNamespace()
                + ".svc:"
                + service.getSpec().getPorts().get(0).getPort());
    assertThat(service.getSpec().getSelector())
        .containsEntry("egressgw.io/leader", "true")
        .containsAllEntriesOf(controllerService.getSpec().getSelector());
    assertThat(env(agent, "EGRESSGW_AGENT_CHANNEL_TLS_SERVER_NAME"))
        .isEqualTo(
            controllerService.getMetadata().getName()
                + "."
                + controllerService.getMetadata().getNamespace()
                + ".svc");
    assertThat(env(controller, "EGRESSGW_CONTROLLER_CHANNEL_AUTH_MODE")).isEqualTo("token-review");
    DaemonSet agentSet = only(DaemonSet.class, "egressgw-agent");
    assertThat(env(controller, "EGRESSGW_CONTROLLER_CHANNEL_AUTH_AGENT_SERVICE_ACCOUNT"))
        .isEqualTo(
            agentSet.getMetadata().getNamespace()
                + ":"
                + podSpec(agentSet).orElseThrow().getServiceAccountName());
    // The trust ConfigMap the agents mount is published in their namespace, by the init step and
    // by the running controller (certificate renewal).
    Container init =
        podSpec(only(Deployment.class, "egressgw-controller"))
            .orElseThrow()
            .getInitContainers()
            .get(0);
    for (Container publisher : List.of(init, controller)) {
      assertThat(env(publisher, "EGRESSGW_CONTROLLER_TLS_AGENT_TRUST_NAMESPACE"))
          .as(publisher.getName())
          .isEqualTo(agentSet.getMetadata().getNamespace());
    }
    assertThat(podSpec(agentSet).orElseThrow().getVolumes())
        .anyMatch(
            v ->
                v.getConfigMap() != null
                    && "egressgw-agent-trust".equals(v.getConfigMap().getName()));
    String audience =
        podSpec(only(DaemonSet.class, "egressgw-agent")).orElseThrow().getVolumes().stream()
            .filter(v -> v.getProjected() != null)
            .findFirst()
            .orElseThrow()
            .getProjected()
            .getSources()
            .get(0)
            .getServiceAccountToken()
            .getAudience();
    assertThat(audience).isEqualTo("egressgw-agent");
    assertThat(env(controller, "EGRESSGW_CONTROLLER_LEADER_ELECTION_LEASE_NAMESPACE"))
        .isEqualTo("egressgw-system");
  }

  @Test
  void theStartupTaintCannotKeepOutTheAgentOrTheControllerThatRemovesIt() {
    // Nodes registered with the start-up taint get no ordinary pods until the controller removes it
    // (once the node's agent is programmed): both must tolerate it, or a fresh cluster deadlocks.
    for (PodSpec spec :
        List.of(
            podSpec(only(DaemonSet.class, "egressgw-agent")).orElseThrow(),
            podSpec(only(Deployment.class, "egressgw-controller")).orElseThrow())) {
      assertThat(spec.getTolerations())
          .as("tolerations of %s", spec.getServiceAccountName())
          .anyMatch(
              t ->
                  "Exists".equals(t.getOperator())
                      && (t.getKey() == null
                          || io.egressgw.controller.StartupTaint.KEY.equals(t.getKey()))
                      && (t.getEffect() == null || "NoSchedule".equals(t.getEffect())));
    }
  }

  static Map<String, Integer> ports(Container c) {
    return c.getPorts().stream()
        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
  }

  static String env(Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError(c.getName() + " has no env " + name));
  }

  /**
   * Issue 15: the controller reads and writes its Secrets, ConfigMap and Lease by name only (create
   * cannot be limited to a name: RBAC does not know it when it authorises a create).
   */
  @Test
  void secretsConfigMapsAndLeasesAreLimitedToTheNamesTheControllerUses() {
    Map<String, Set<String>> names =
        Map.of(
            // admission.WebhookCertificates.SECRET, bootstrap.ControllerInit.SIGNING_SECRET
            "secrets", Set.of("egressgw-webhook-tls", "egressgw-program-signing"),
            // bootstrap.ControllerInit.AGENT_TRUST
            "configmaps", Set.of("egressgw-agent-trust"),
            // egressgw.controller.leader-election.lease-name
            "leases", Set.of("egressgw-controller"));
    List<PolicyRule> rules = new ArrayList<>();
    rules.addAll(only(ClusterRole.class, "egressgw-controller").getRules());
    rules.addAll(only(Role.class, "egressgw-system", "egressgw-controller").getRules());
    rules.addAll(only(Role.class, "egressgw-agent", "egressgw-controller").getRules());
    names.forEach(
        (resource, expected) -> {
          List<PolicyRule> onIt =
              rules.stream().filter(r -> r.getResources().contains(resource)).toList();
          assertThat(onIt)
              .as("rules on %s other than create name what they apply to", resource)
              .filteredOn(r -> r.getVerbs().stream().anyMatch(v -> !"create".equals(v)))
              .isNotEmpty()
              .allSatisfy(r -> assertThat(r.getResourceNames()).isNotEmpty().isSubsetOf(expected));
          assertThat(
                  onIt.stream()
                      .filter(r -> r.getVerbs().containsAll(List.of("get", "update")))
                      .flatMap(r -> r.getResourceNames().stream())
                      .collect(Collectors.toSet()))
              .as("get and update on every %s the controller uses", resource)
              .isEqualTo(expected);
        });
  }

  /**
   * In the agents' namespace the controller may write the one ConfigMap agents mount, nothing else.
   */
  @Test
  void inTheAgentsNamespaceTheControllerMayWriteOnlyTheTrustConfigMap() {
    Role role = only(Role.class, "egressgw-agent", "egressgw-controller");

    assertThat(role.getRules())
        .allSatisfy(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("");
              assertThat(r.getResources()).containsExactly("configmaps");
            });
    assertThat(role.getRules())
        .filteredOn(r -> !r.getVerbs().equals(List.of("create")))
        .allSatisfy(r -> assertThat(r.getResourceNames()).containsExactly("egressgw-agent-trust"));
    var binding =
        only(
            io.fabric8.kubernetes.api.model.rbac.RoleBinding.class,
            "egressgw-agent",
            "egressgw-controller");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getName()).isEqualTo("egressgw-controller");
              assertThat(s.getNamespace()).isEqualTo("egressgw-system");
            });
  }

  /**
   * Issue 15: RBAC cannot limit the controller's `patch` on nodes to the start-up taint, so a
   * ValidatingAdmissionPolicy, bound with Deny, matches every Node update by the controller's
   * service account and allows removing that taint only.
   */
  @Test
  void nodePatchesByTheControllerAreLimitedToTheStartupTaintByAnAdmissionPolicy() {
    io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy policy =
        only(
            io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy
                .class,
            "egressgw-controller-node-patches");
    var binding =
        only(
            io.fabric8.kubernetes.api.model.admissionregistration.v1
                .ValidatingAdmissionPolicyBinding.class,
            "egressgw-controller-node-patches");

    assertThat(binding.getSpec().getPolicyName()).isEqualTo("egressgw-controller-node-patches");
    assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
    assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
    assertThat(policy.getSpec().getMatchConstraints().getResourceRules())
        .anySatisfy(
            r -> {
              assertThat(r.getResources()).contains("nodes");
              assertThat(r.getOperations()).contains("UPDATE");
            });
    assertThat(policy.getSpec().getMatchConditions())
        .singleElement()
        .satisfies(
            c ->
                assertThat(c.getExpression())
                    .contains("system:serviceaccount:egressgw-system:egressgw-controller"));
    assertThat(policy.getSpec().getValidations())
        .anySatisfy(
            v ->
                assertThat(v.getExpression())
                    .contains("'" + io.egressgw.controller.StartupTaint.KEY + "'"));
    assertThat(policy.getSpec().getValidations())
        .extracting(v -> v.getExpression())
        .anySatisfy(e -> assertThat(e).contains("metadata.labels"))
        .anySatisfy(e -> assertThat(e).contains("spec.unschedulable"));
  }
}

package io.egressgw.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Informer caches of the core objects the controller reads: Nodes, Pods, Namespaces and, where
 * served, ServiceCIDRs (the custom resources come from {@link io.egressgw.kube.ResourceCache}).
 * Each update is reduced to the fields the controller uses; an update that changes none of them
 * (status heartbeats of the kubelet, resyncs) triggers nothing.
 */
@ApplicationScoped
public class ClusterCache {
  private static final Logger LOG = Logger.getLogger(ClusterCache.class);

  @Inject KubernetesClient client;

  private SharedIndexInformer<Node> nodes;
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<ServiceCIDR> serviceCidrs;

  /**
   * What placement and the compiler read of a Node; {@code unschedulable} is {@code
   * spec.unschedulable} (cordoned).
   */
  public record NodeFacts(
      String name,
      Map<String, String> labels,
      boolean ready,
      boolean controlPlane,
      String internalIP,
      boolean unschedulable) {}

  /** What the compiler reads of a Pod. */
  public record PodFacts(
      String namespace,
      String name,
      Map<String, String> labels,
      String ip,
      String node,
      String phase,
      boolean hostNetwork) {}

  /**
   * Starts the informers and waits for their first list. {@code changed} gets the kind of object
   * ({@link ChangeKind#NODE}, {@link ChangeKind#POD}, {@link ChangeKind#NAMESPACE}) and its cache
   * key ({@code name}, or {@code namespace/name} for a Pod) whenever a relevant field changed.
   */
  public synchronized void start(BiConsumer<ChangeKind, String> changed) {
    if (nodes != null) {
      return;
    }
    nodes = client.nodes().runnableInformer(0);
    pods = client.pods().inAnyNamespace().runnableInformer(0);
    namespaces = client.namespaces().runnableInformer(0);
    nodes.addEventHandler(new Relevant<>(ChangeKind.NODE, ClusterCache::facts, changed));
    pods.addEventHandler(new Relevant<>(ChangeKind.POD, ClusterCache::facts, changed));
    namespaces.addEventHandler(new Relevant<>(ChangeKind.NAMESPACE, ns -> labels(ns), changed));
    if (servesServiceCidrs(client)) {
      serviceCidrs = client.network().v1().serviceCIDRs().runnableInformer(0);
      serviceCidrs.addEventHandler(
          new Relevant<>(ChangeKind.SERVICE_CIDR, ClusterCache::cidrs, changed));
    }
    try {
      nodes.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      pods.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      namespaces.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (serviceCidrs != null) {
        serviceCidrs.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("core informers did not sync: " + e, e);
    }
  }

  /** The cached Pod with key {@code namespace/name}, or null. */
  public Pod pod(String key) {
    return pods == null ? null : pods.getStore().getByKey(key);
  }

  /** The cached Namespace, or null. */
  public Namespace namespace(String name) {
    return namespaces == null ? null : namespaces.getStore().getByKey(name);
  }

  /** The cached Node, or null. */
  public Node node(String name) {
    return nodes == null ? null : nodes.getStore().getByKey(name);
  }

  public List<Node> nodes() {
    return nodes == null ? List.of() : nodes.getStore().list();
  }

  public List<Pod> pods() {
    return pods == null ? List.of() : pods.getStore().list();
  }

  /**
   * The CIDRs of every ServiceCIDR object (networking.k8s.io/v1, Kubernetes 1.33+), both families;
   * empty where the cluster does not serve them.
   */
  public List<String> serviceCidrs() {
    if (serviceCidrs == null) {
      return List.of();
    }
    List<String> out = new java.util.ArrayList<>();
    serviceCidrs.getStore().list().forEach(o -> out.addAll(cidrs(o)));
    return List.copyOf(out);
  }

  static List<String> cidrs(ServiceCIDR o) {
    return o.getSpec() == null || o.getSpec().getCidrs() == null
        ? List.of()
        : List.copyOf(o.getSpec().getCidrs());
  }

  /**
   * Whether the API server serves ServiceCIDR objects: a list of at most one answers; 404 (an older
   * cluster) or 403 (no RBAC for them) mean no, and the service CIDRs come from settings only.
   */
  static boolean servesServiceCidrs(KubernetesClient client) {
    try {
      client.network().v1().serviceCIDRs().list(new ListOptionsBuilder().withLimit(1L).build());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404 || e.getCode() == 403) {
        LOG.info(
            "ServiceCIDR objects not read (HTTP "
                + e.getCode()
                + "): service CIDRs come from egressgw.controller.service-cidrs only");
        return false;
      }
      throw e;
    }
  }

  public List<Namespace> namespaces() {
    return namespaces == null ? List.of() : namespaces.getStore().list();
  }

  public static NodeFacts facts(Node n) {
    boolean ready = false;
    if (n.getStatus() != null && n.getStatus().getConditions() != null) {
      for (NodeCondition c : n.getStatus().getConditions()) {
        if ("Ready".equals(c.getType())) {
          ready = "True".equals(c.getStatus());
        }
      }
    }
    String ip = null;
    if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
      for (NodeAddress a : n.getStatus().getAddresses()) {
        if ("InternalIP".equals(a.getType())) {
          ip = a.getAddress();
        }
      }
    }
    Map<String, String> labels = labels(n);
    boolean controlPlane =
        labels.containsKey("node-role.kubernetes.io/control-plane")
            || labels.containsKey("node-role.kubernetes.io/master");
    boolean unschedulable =
        n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    return new NodeFacts(n.getMetadata().getName(), labels, ready, controlPlane, ip, unschedulable);
  }

  public static PodFacts facts(Pod p) {
    return new PodFacts(
        p.getMetadata().getNamespace(),
        p.getMetadata().getName(),
        labels(p),
        p.getStatus() == null ? null : p.getStatus().getPodIP(),
        p.getSpec() == null ? null : p.getSpec().getNodeName(),
        p.getStatus() == null ? null : p.getStatus().getPhase(),
        p.getSpec() != null && Boolean.TRUE.equals(p.getSpec().getHostNetwork()));
  }

  /**
   * The object's labels. A label with a null value (the API emulator keeps one after a merge patch
   * that removes it; a real API server deletes the key) counts as absent.
   */
  public static Map<String, String> labels(HasMetadata o) {
    Map<String, String> l = o.getMetadata().getLabels();
    if (l == null) {
      return Map.of();
    }
    return l.containsValue(null)
        ? l.entrySet().stream()
            .filter(e -> e.getValue() != null)
            .collect(
                java.util.stream.Collectors.toUnmodifiableMap(e -> e.getKey(), e -> e.getValue()))
        : Map.copyOf(l);
  }

  @PreDestroy
  synchronized void stop() {
    if (nodes != null) {
      nodes.stop();
      pods.stop();
      namespaces.stop();
      if (serviceCidrs != null) {
        serviceCidrs.stop();
        serviceCidrs = null;
      }
      nodes = null;
    }
  }

  /** Forwards adds, deletes, and updates that change the projection the controller uses. */
  private record Relevant<T extends HasMetadata, F>(
      ChangeKind kind, Function<T, F> project, BiConsumer<ChangeKind, String> changed)
      implements ResourceEventHandler<T> {
    @Override
    public void onAdd(T obj) {
      changed.accept(kind, key(obj));
    }

    @Override
    public void onUpdate(T before, T after) {
      if (!Objects.equals(project.apply(before), project.apply(after))) {
        changed.accept(kind, key(after));
      }
    }

    @Override
    public void onDelete(T obj, boolean finalStateUnknown) {
      changed.accept(kind, key(obj));
    }
  }

  /** The informer store's key: {@code namespace/name} for namespaced objects, else the name. */
  public static String key(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return ns == null || ns.isEmpty()
        ? o.getMetadata().getName()
        : ns + "/" + o.getMetadata().getName();
  }
}

package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDRBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ServiceCIDR objects (networking.k8s.io/v1) against the Kubernetes API emulator (fabric8 mock
 * server in CRUD mode): where the cluster serves them, their CIDRs join the excluded prefixes next
 * to {@code egressgw.controller.service-cidrs}, and a new object is an event; where it does not
 * (the emulator answering 404 for them, as a cluster before 1.33), the settings alone count and the
 * cache starts without an error.
 */
class ServiceCidrObjectsAgainstApiEmulatorIT {
  private KubernetesMockServer server;
  private KubernetesClient client;
  private ClusterCache cache;

  @SuppressWarnings("UnnecessaryAssignment") // the cache outside CDI: its client is set by hand
  void start(boolean servesServiceCidrs) {
    KubernetesCrudDispatcher dispatcher =
        servesServiceCidrs
            ? new KubernetesCrudDispatcher()
            : new KubernetesCrudDispatcher() {
              @Override
              public MockResponse handleGet(String path) {
                if (path.contains("/apis/networking.k8s.io/v1/servicecidrs")) {
                  return new MockResponse()
                      .setResponseCode(404)
                      .setBody(
                          "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                              + "\"reason\":\"NotFound\",\"code\":404}");
                }
                return super.handleGet(path);
              }
            };
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    cache = new ClusterCache();
    cache.client = client;
  }

  @AfterEach
  void stop() {
    if (cache != null) {
      cache.stop();
    }
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.destroy();
    }
  }

  static ServiceCIDR serviceCidr(String name, String... cidrs) {
    return new ServiceCIDRBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withCidrs(cidrs)
        .endSpec()
        .build();
  }

  @Test
  void theCidrsOfServiceCidrObjectsJoinTheExcludedPrefixesBesideTheSettings() {
    start(true);
    client.resource(serviceCidr("kubernetes", "10.96.0.0/12", "fd00:10:96::/112")).create();
    Set<ChangeKind> events = ConcurrentHashMap.newKeySet();

    cache.start((kind, key) -> events.add(kind));

    assertThat(cache.serviceCidrs()).containsExactly("10.96.0.0/12", "fd00:10:96::/112");
    assertThat(excluded(List.of("10.100.0.0/16")))
        .as("objects and settings, IPv4 only")
        .containsExactly("10.100.0.0/16", "10.96.0.0/12");

    events.clear();
    client.resource(serviceCidr("extra", "10.200.0.0/16")).create();

    await().atMost(Duration.ofSeconds(10)).until(() -> events.contains(ChangeKind.SERVICE_CIDR));
    assertThat(excluded(List.of())).containsExactly("10.200.0.0/16", "10.96.0.0/12");
  }

  @Test
  void withoutTheServiceCidrApiTheSettingsAloneCountAndNothingFails() {
    start(false);

    cache.start((kind, key) -> {});

    assertThat(cache.serviceCidrs()).isEmpty();
    assertThat(excluded(List.of("10.96.0.0/12"))).containsExactly("10.96.0.0/12");
  }

  List<String> excluded(List<String> settings) {
    return CompilerInputs.excludedPrefixes(
        cache.nodes(), CompilerInputs.serviceCidrs(settings, cache.serviceCidrs()), List.of());
  }
}

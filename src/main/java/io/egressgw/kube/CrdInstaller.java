package io.egressgw.kube;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Installs our two CRDs, read from the YAML that the crd-generator plugin writes into the jar
 * (META-INF/fabric8), so that what is installed is exactly what k8s/crds holds. Used for the
 * embedded emulator; against a real cluster the CRDs are applied by the operator of the cluster
 * (kubectl apply -f k8s/crds), not by this service.
 */
@Singleton
public class CrdInstaller {
  private static final Logger LOG = Logger.getLogger(CrdInstaller.class);

  /** Classpath locations of the generated CRDs. */
  public static final List<String> CRD_RESOURCES =
      List.of(
          "META-INF/fabric8/" + NetworkGatewayGroup.CRD_NAME + "-v1.yml",
          "META-INF/fabric8/" + EgressNATPolicy.CRD_NAME + "-v1.yml");

  private final KubernetesClient client;

  public CrdInstaller(KubernetesClient client) {
    this.client = client;
  }

  /** Creates each CRD that the API server does not have yet. */
  public void installMissing() {
    for (String resource : CRD_RESOURCES) {
      CustomResourceDefinition crd = load(resource);
      var existing =
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(crd.getMetadata().getName())
              .get();
      if (existing == null) {
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        LOG.infof("installed CRD %s", crd.getMetadata().getName());
      }
    }
  }

  /** The generated CRD at a classpath location. */
  public CustomResourceDefinition load(String resource) {
    try (InputStream in =
        Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("generated CRD " + resource + " is not on the classpath");
      }
      return client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

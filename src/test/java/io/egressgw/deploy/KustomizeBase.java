package io.egressgw.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Renders the kustomize base in k8s/ in-process (its resources, namespace and image transforms),
 * plus its configMapGenerator's literals. Generated ConfigMaps keep their plain name: kustomize
 * appends a content hash to it (and to the references), which the Helm chart replaces with a
 * checksum annotation on the pod template.
 */
final class KustomizeBase {
  static final Path K8S = Path.of("k8s");

  private KustomizeBase() {}

  @SuppressWarnings("unchecked")
  static List<HasMetadata> render() throws IOException {
    Map<String, Object> kustomization =
        new ObjectMapper(new YAMLFactory())
            .readValue(K8S.resolve("kustomization.yaml").toFile(), Map.class);
    String namespace = (String) kustomization.get("namespace");
    Map<String, Object> image = ((List<Map<String, Object>>) kustomization.get("images")).get(0);
    List<HasMetadata> objects = new ArrayList<>();
    for (String file : (List<String>) kustomization.get("resources")) {
      objects.addAll(parse(Files.readString(K8S.resolve(file))));
    }
    for (Map<String, Object> generator :
        (List<Map<String, Object>>) kustomization.getOrDefault("configMapGenerator", List.of())) {
      Map<String, String> data = new LinkedHashMap<>();
      for (String literal : (List<String>) generator.get("literals")) {
        int eq = literal.indexOf('=');
        data.put(literal.substring(0, eq), literal.substring(eq + 1));
      }
      objects.add(
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName((String) generator.get("name"))
              .withNamespace((String) generator.get("namespace"))
              .endMetadata()
              .withData(data)
              .build());
    }
    for (HasMetadata object : objects) {
      // kustomize's namespace transformer, when the kustomization has one, overrides them all
      if (namespace != null && isNamespaced(object)) {
        object.getMetadata().setNamespace(namespace);
      }
      podSpec(object)
          .ifPresent(
              spec -> {
                spec.getInitContainers().stream()
                    .filter(c -> c.getImage().equals(image.get("name")))
                    .forEach(c -> c.setImage(image.get("newName") + ":" + image.get("newTag")));
                spec.getContainers().stream()
                    .filter(c -> c.getImage().equals(image.get("name")))
                    .forEach(c -> c.setImage(image.get("newName") + ":" + image.get("newTag")));
              });
    }
    return objects;
  }

  /** The objects of a multi-document YAML stream (comment-only documents skipped). */
  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) {
        continue;
      }
      objects.add(Serialization.unmarshal(doc, HasMetadata.class));
    }
    return objects;
  }

  static boolean isNamespaced(HasMetadata o) {
    return !(o instanceof Namespace
        || o instanceof CustomResourceDefinition
        || o.getKind().startsWith("ClusterRole")
        || o.getKind().startsWith("Validating"));
  }

  static Optional<PodSpec> podSpec(HasMetadata o) {
    if (o instanceof Deployment d) {
      return Optional.of(d.getSpec().getTemplate().getSpec());
    }
    if (o instanceof DaemonSet d) {
      return Optional.of(d.getSpec().getTemplate().getSpec());
    }
    return Optional.empty();
  }
}

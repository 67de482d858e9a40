package io.egressgw.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Renders charts/egressgw in-process with helm-java (Helm's own Go library, no helm binary), as
 * `helm template egressgw charts/egressgw -n egressgw-system -f values.yaml` would.
 */
final class HelmChart {
  static final Path CHART = Path.of("charts/egressgw");
  static final String NAMESPACE = "egressgw-system";

  private HelmChart() {}

  /** The rendered manifest: templates only, as `helm template` without --include-crds. */
  static String template(Map<String, Object> values) {
    try {
      Path file = Files.createTempFile("egressgw-values", ".yaml");
      try {
        new ObjectMapper(new YAMLFactory()).writeValue(file.toFile(), values);
        return new Helm(CHART)
            .template()
            .withName("egressgw")
            .withNamespace(NAMESPACE)
            .withValuesFile(file)
            .call();
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<HasMetadata> render(Map<String, Object> values) {
    return KustomizeBase.parse(template(values));
  }
}

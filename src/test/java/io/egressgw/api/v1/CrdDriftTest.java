package io.egressgw.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * k8s/crds holds a committed copy of the CRDs that the crd-generator plugin writes from the api.v1
 * classes at build time. This fails when the copy drifts; to refresh it: {@code mvn -DskipTests
 * package && cp target/classes/META-INF/fabric8/*.yml k8s/crds/}.
 */
class CrdDriftTest {
  private static final Path COMMITTED = Path.of("k8s", "crds");

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "networkgatewaygroups.networking.gke.io-v1.yml",
        "egressnatpolicies.networking.gke.io-v1.yml"
      })
  void committedCrdEqualsTheGeneratedOne(String file) throws IOException {
    String generated;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("META-INF/fabric8/" + file)) {
      assertThat(in)
          .as("generated CRD META-INF/fabric8/%s (crd-generator-maven-plugin)", file)
          .isNotNull();
      generated = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path committed = COMMITTED.resolve(file);
    assertThat(committed).as("committed copy").exists();

    assertThat(Files.readString(committed))
        .as(
            "k8s/crds/%s drifted from the model; run: mvn -DskipTests package && cp"
                + " target/classes/META-INF/fabric8/*.yml k8s/crds/",
            file)
        .isEqualTo(generated);
  }

  @Test
  void k8sCrdsHoldsOnlyGeneratedCrds() throws IOException {
    try (Stream<Path> files = Files.list(COMMITTED)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .isEqualTo(
              List.of(
                  "egressnatpolicies.networking.gke.io-v1.yml",
                  "networkgatewaygroups.networking.gke.io-v1.yml"));
    }
  }
}

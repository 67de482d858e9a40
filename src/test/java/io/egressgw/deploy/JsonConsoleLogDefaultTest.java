package io.egressgw.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The console logs plain text unless asked for JSON: quarkus-logging-json would switch JSON on by
 * its mere presence, so application.properties must say off, for every profile. JsonConsoleLogIT
 * shows that the switch turns it on.
 */
class JsonConsoleLogDefaultTest {
  @Test
  void jsonConsoleLoggingIsOffUnlessSwitchedOn() throws IOException {
    Properties props = new Properties();
    Path file = Path.of("src/main/resources/application.properties");
    try (InputStream in = Files.newInputStream(file)) {
      props.load(in);
    }

    assertThat(props.getProperty("quarkus.log.console.json.enabled")).isEqualTo("false");
    assertThat(props.stringPropertyNames())
        .filteredOn(k -> k.endsWith("quarkus.log.console.json.enabled"))
        .containsExactly("quarkus.log.console.json.enabled");
  }
}

package io.egressgw.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.junit.jupiter.api.Test;

/**
 * {@code -Dquarkus.log.console.json.enabled=true} (or QUARKUS_LOG_CONSOLE_JSON_ENABLED=true, the
 * Helm value logging.json) makes the console log one JSON object a line: with the switch on, the
 * console handler's formatter turns a record into JSON with its level, logger and message. The
 * default (off) is checked without Quarkus by {@link JsonConsoleLogDefaultTest}.
 */
@QuarkusTest
@TestProfile(JsonConsoleLogIT.JsonOn.class)
class JsonConsoleLogIT {

  /** The test profile with the switch on. */
  public static class JsonOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.log.console.json.enabled", "true");
    }
  }

  @Test
  void theConsoleWritesEachRecordAsOneJsonObject() throws Exception {
    Formatter console = consoleFormatter();
    ExtLogRecord record = new ExtLogRecord(Level.WARN, "floating IP moved", getClass().getName());
    record.setLoggerName("io.egressgw.controller");

    String line = console.format(record);

    assertThat(line.strip()).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.path("message").asText()).isEqualTo("floating IP moved");
    assertThat(json.path("level").asText()).isEqualTo("WARN");
    assertThat(json.path("loggerName").asText()).isEqualTo("io.egressgw.controller");
  }

  static Formatter consoleFormatter() {
    List<Handler> handlers = new ArrayList<>();
    collect(LogContext.getLogContext().getLogger("").getHandlers(), handlers);
    return handlers.stream()
        .filter(h -> h instanceof ConsoleHandler)
        .map(Handler::getFormatter)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no console handler among " + handlers));
  }

  private static void collect(Handler[] from, List<Handler> into) {
    for (Handler h : from) {
      into.add(h);
      if (h instanceof ExtHandler ext) {
        collect(ext.getHandlers(), into);
      }
    }
  }
}

package io.egressgw.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * With authorisation off the REST API listens on 127.0.0.1 unless the operator set {@code
 * quarkus.http.host} explicitly (issue 15: {@code ./egw run} listened on every interface).
 */
class LoopbackBindingTest {
  /** Quarkus' own default for prod, at the ordinal of its runtime defaults. */
  static final int QUARKUS_DEFAULTS_ORDINAL = Integer.MIN_VALUE + 100;

  record Row(
      String desc,
      Map<String, String> settings,
      String expectedHost,
      String expectedManagementHost) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Stream<Arguments> rows() {
    return Stream.of(
            new Row(
                "embedded default (auth auto, emulator): loopback only",
                Map.of("egressgw.kubernetes", "embedded"),
                "127.0.0.1",
                "127.0.0.1"),
            new Row(
                "auth none on a cluster: loopback only",
                Map.of("egressgw.kubernetes", "cluster", "egressgw.rest.auth.mode", "none"),
                "127.0.0.1",
                "127.0.0.1"),
            new Row(
                "auth forced on over the emulator: every interface",
                Map.of("egressgw.kubernetes", "embedded", "egressgw.rest.auth.mode", "kubernetes"),
                "0.0.0.0",
                "0.0.0.0"),
            new Row(
                "a cluster with auth auto: every interface",
                Map.of("egressgw.kubernetes", "cluster"),
                "0.0.0.0",
                "0.0.0.0"),
            new Row(
                "auth off but the operator opted in: the address set",
                Map.of("egressgw.kubernetes", "embedded", "quarkus.http.host", "0.0.0.0"),
                "0.0.0.0",
                "127.0.0.1"),
            new Row(
                "auth off, an explicit address: that address",
                Map.of("egressgw.rest.auth.mode", "none", "quarkus.http.host", "192.0.2.7"),
                "192.0.2.7",
                "127.0.0.1"),
            new Row(
                "the agent role serves health and metrics to the node: every interface",
                Map.of("egressgw.role", "agent", "egressgw.kubernetes", "embedded"),
                "0.0.0.0",
                "0.0.0.0"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void bindsLoopbackOnlyWhenTheApiIsOpenAndNoAddressWasSet(Row row) {
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withSources(
                new PropertiesConfigSource(
                    Map.of("quarkus.http.host", "0.0.0.0"),
                    "quarkus runtime defaults",
                    QUARKUS_DEFAULTS_ORDINAL))
            .withSources(new PropertiesConfigSource(new HashMap<>(row.settings()), "operator", 250))
            .withSources(new LoopbackBinding())
            .build();

    assertThat(config.getValue("quarkus.http.host", String.class)).isEqualTo(row.expectedHost());
  }

  /** Health and metrics do not stay open where the API was closed to loopback. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void theManagementInterfaceIsLoopbackWheneverAuthorisationIsOff(Row row) {
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withSources(
                new PropertiesConfigSource(
                    Map.of("quarkus.management.host", "0.0.0.0"),
                    "quarkus runtime defaults",
                    QUARKUS_DEFAULTS_ORDINAL))
            .withSources(new PropertiesConfigSource(new HashMap<>(row.settings()), "operator", 250))
            .withSources(new LoopbackBinding())
            .build();
    assertThat(config.getValue("quarkus.management.host", String.class))
        .isEqualTo(row.expectedManagementHost());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void saysWhetherItChoseTheAddress(Row row) {
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withSources(new PropertiesConfigSource(new HashMap<>(row.settings()), "operator", 250))
            .withSources(new LoopbackBinding())
            .build();

    assertThat(LoopbackBinding.chosenByUs(config.getConfigValue("quarkus.http.host")))
        .isEqualTo(
            !row.settings().containsKey("quarkus.http.host")
                && "127.0.0.1".equals(row.expectedHost()));
  }
}

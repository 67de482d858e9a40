package io.egressgw.security;

import io.egressgw.kube.KubernetesMode;
import io.egressgw.kube.KubernetesSettings;
import io.egressgw.role.ProcessRole;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.common.MapBackedConfigSource;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

/**
 * Makes the controller listen on 127.0.0.1 only when its REST API has no authorisation ({@code
 * egressgw.rest.auth.mode=none}, or {@code auto} over the embedded emulator, i.e. {@code ./egw
 * run}), unless the operator set {@code quarkus.http.host} explicitly: before, Quarkus' default
 * 0.0.0.0 let anyone who reached the machine change egress (issue 15). The management interface
 * (health, metrics) follows: {@code quarkus.management.host} 127.0.0.1 unless set explicitly.
 *
 * <p>A {@link ConfigSourceFactory} (registered in {@code META-INF/services}) whose source ranks
 * below every place an operator sets a value (application.properties 250, environment 300, system
 * properties 400) and above Quarkus' built-in default, so that any explicit address wins. At start
 * it logs which address it chose, or warns when authorisation is off and an explicit address is not
 * loopback.
 */
@Singleton
public class LoopbackBinding implements ConfigSourceFactory {
  private static final Logger LOG = Logger.getLogger(LoopbackBinding.class);

  /** The configuration key this sets. */
  static final String HOST = "quarkus.http.host";

  /** The management interface's address (health, metrics), kept with the API's. */
  static final String MANAGEMENT_HOST = "quarkus.management.host";

  static final String LOOPBACK = "127.0.0.1";

  /** Name of the config source, which is how the start-up log knows the address came from here. */
  static final String SOURCE_NAME = "egressgw: loopback while REST authorisation is off";

  /** Above Quarkus' runtime defaults (near Integer.MIN_VALUE), below application.properties. */
  static final int ORDINAL = 100;

  @Override
  public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
    boolean controller =
        !ProcessRole.AGENT.equalsIgnoreCase(valueOr(context, ProcessRole.PROPERTY, "controller"));
    if (!controller || !authorisationOff(context)) {
      return List.of();
    }
    return List.of(
        new MapBackedConfigSource(
            SOURCE_NAME, Map.of(HOST, LOOPBACK, MANAGEMENT_HOST, LOOPBACK), ORDINAL) {});
  }

  @Override
  public OptionalInt getPriority() {
    return OptionalInt.of(ORDINAL);
  }

  /** Whether the REST API runs without authorisation in this mode and with this Kubernetes API. */
  static boolean authorisationOff(RestAuthSettings.Mode mode, boolean embedded) {
    return switch (mode) {
      case KUBERNETES -> false;
      case NONE -> true;
      case AUTO -> embedded;
    };
  }

  private static boolean authorisationOff(ConfigSourceContext context) {
    RestAuthSettings.Mode mode =
        RestAuthSettings.Mode.valueOf(
            valueOr(context, "egressgw.rest.auth.mode", "auto").trim().toUpperCase(Locale.ROOT));
    if (mode != RestAuthSettings.Mode.AUTO) {
      return authorisationOff(mode, false);
    }
    String url = valueOr(context, "quarkus.kubernetes-client.api-server-url", "");
    KubernetesMode kubernetes =
        KubernetesMode.parse(valueOr(context, "egressgw.kubernetes", "auto"))
            .resolveHere(!url.isBlank());
    return authorisationOff(mode, kubernetes == KubernetesMode.EMBEDDED);
  }

  private static String valueOr(ConfigSourceContext context, String name, String fallback) {
    ConfigValue value = context.getValue(name);
    return value == null || value.getValue() == null ? fallback : value.getValue();
  }

  /** Whether this factory, not the operator, decided the listening address. */
  static boolean chosenByUs(ConfigValue host) {
    return host != null && SOURCE_NAME.equals(host.getSourceName());
  }

  void onStart(
      @Observes StartupEvent event,
      ProcessRole role,
      RestAuthSettings auth,
      Instance<KubernetesSettings> kubernetes) {
    if (!role.isController() || !authorisationOff(auth.mode(), kubernetes.get().embedded())) {
      return;
    }
    ConfigValue host = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class).getConfigValue(HOST);
    if (chosenByUs(host)) {
      LOG.infof(
          "REST API authorisation is off (egressgw.rest.auth.mode=%s): listening on %s only; set"
              + " %s explicitly to listen elsewhere (anyone who reaches the port can then change"
              + " egress)",
          auth.mode().name().toLowerCase(Locale.ROOT), LOOPBACK, HOST);
    } else if (!isLoopback(host.getValue())) {
      LOG.warnf(
          "REST API authorisation is off (egressgw.rest.auth.mode=%s) and %s=%s was set"
              + " explicitly: anyone who reaches this port can change egress",
          auth.mode().name().toLowerCase(Locale.ROOT), HOST, host.getValue());
    }
  }

  private static boolean isLoopback(String host) {
    return host != null
        && (host.startsWith("127.") || "localhost".equalsIgnoreCase(host) || "::1".equals(host));
  }
}

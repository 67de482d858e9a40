package io.egressgw.agent.channel;

import io.egressgw.agent.ConntrackReplication;
import io.egressgw.agent.ReplicationMetrics;
import io.egressgw.agent.ReplicationWire;
import io.egressgw.dataplane.ReplicationBatch;
import io.egressgw.program.ProgramKeySet;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.role.ProcessRole;
import io.egressgw.time.MonotonicClock;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PublicKey;
import java.util.List;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs the agent's channel client in role agent ({@code egressgw.role=agent}) with the node's
 * {@link ProgramApplier} (provided by the dataplane). In role controller it does nothing.
 */
@ApplicationScoped
public class AgentChannel {
  private static final Logger LOG = Logger.getLogger(AgentChannel.class);

  @Inject Vertx vertx;
  @Inject AgentChannelSettings settings;
  @Inject Instance<ProgramApplier> appliers;

  @Inject ProcessRole role;
  @Inject io.micrometer.core.instrument.MeterRegistry registry;

  private AgentChannelClient client;

  void onStart(@Observes StartupEvent ev) {
    if (!role.isAgent() || !settings.enabled()) {
      return;
    }
    if (!appliers.isResolvable()) {
      throw new IllegalStateException(
          "role agent needs exactly one ProgramApplier bean (the dataplane)");
    }
    String node =
        settings.nodeName().filter(s -> !s.isBlank()).orElseGet(() -> System.getenv("NODE_NAME"));
    if (node == null || node.isBlank()) {
      throw new IllegalStateException("set egressgw.agent.channel.node-name or env NODE_NAME");
    }
    ControllerEndpoint parsed = ControllerEndpoint.parse(settings.controllerUrl());
    ControllerEndpoint endpoint =
        settings
            .tlsServerName()
            .filter(s -> !s.isBlank())
            .map(parsed::withServerName)
            .orElse(parsed);
    endpoint
        .problemIn(System.getenv())
        .ifPresent(
            p -> {
              throw new IllegalStateException(p);
            });
    client =
        new AgentChannelClient(
            vertx,
            endpoint,
            node,
            fileToken(Path.of(settings.tokenFile())),
            publicKeyFile(Path.of(settings.controllerPublicKeyFile())),
            appliers.get(),
            settings.heartbeatInterval(),
            settings.pollTimeout(),
            new MonotonicClock(),
            settings.caFile().orElse(null),
            null);
    client.trustingKeys(publicKeySetFile(Path.of(settings.controllerPublicKeyFile())));
    client.start();
    LOG.infof("agent channel for node %s -> %s", node, settings.controllerUrl());
    if (appliers.get() instanceof DataplaneProgramApplier dataplane
        && dataplane.replication() != null) {
      try {
        replicate(client, dataplane.replication());
        ReplicationMetrics.register(registry, dataplane.replication());
      } catch (RuntimeException e) {
        // forwarding goes on; only connection continuity across failovers is lost
        LOG.warnf("conntrack replication not started on %s: %s", node, e.getMessage());
      }
    }
  }

  /**
   * Conntrack replication over the channel: the batches of the IPs this node holds go to the
   * controller's relay; the relay's batches for the IPs it stands by for are installed; the
   * controller's requests for full dumps are honoured.
   */
  static void replicate(AgentChannelClient client, ConntrackReplication replication) {
    replication.sendTo(
        batch -> {
          for (byte[] body : ReplicationWire.encode(batch, ReplicationWire.MAX_BYTES)) {
            int status = client.postReplication(body);
            if (status != 200 && status != 202) {
              LOG.debugf("replication batch answered %d", status);
            }
          }
        });
    client.replicateWith(
        new ReplicationPeer() {
          @Override
          public void resync(java.util.List<String> floatingIPs) {
            java.util.List<Integer> ips = new java.util.ArrayList<>();
            floatingIPs.forEach(ip -> ips.add(io.egressgw.net.Ipv4.parseOrThrow(ip)));
            replication.requestDump(ips);
          }

          @Override
          public void received(byte[] batches) {
            for (ReplicationBatch b : ReplicationWire.decode(batches)) {
              replication.accept(b);
            }
          }
        });
    replication.start();
    LOG.infof("conntrack replication on for node %s", client.node());
  }

  /** SIGTERM: hand the floating IPs over (bounded), then stop. */
  void onStop(@Observes ShutdownEvent ev) {
    if (client != null) {
      long t0 = System.nanoTime();
      boolean handedOver = client.handOver(settings.handOverTimeout());
      LOG.infof(
          "agent of %s stopping: floating IPs %s after %d ms",
          client.node(),
          handedOver ? "handed over" : "still held",
          (System.nanoTime() - t0) / 1_000_000);
      client.stop();
      if (appliers.get() instanceof DataplaneProgramApplier dataplane
          && dataplane.replication() != null) {
        dataplane.replication().close();
      }
    }
  }

  /** The running client, or null outside role agent. */
  public AgentChannelClient client() {
    return client;
  }

  /** Reads the token file, again at most every 10 s (projected service-account tokens rotate). */
  public static Supplier<String> fileToken(Path file) {
    return new Supplier<>() {
      private String cached = "";
      private long readAt = Long.MIN_VALUE;

      @Override
      public synchronized String get() {
        long now = System.nanoTime();
        if (cached.isEmpty() || now - readAt > 10_000_000_000L) {
          try {
            cached = Files.readString(file, StandardCharsets.UTF_8).trim();
            readAt = now;
          } catch (IOException e) {
            LOG.debugf("token file %s not readable: %s", file, e.getMessage());
          }
        }
        return cached;
      }
    };
  }

  /**
   * The published program-signing keys in {@code file} (one PEM block each), read again as soon as
   * the file changed (modified time, size or identity, checked at most once a second): the set
   * changes while the controller's signing key rotates (a ConfigMap mount, whose update swaps a
   * symbolic link to a new file). A file that parses to no key keeps the set read before.
   */
  public static Supplier<ProgramKeySet> publicKeySetFile(Path file) {
    return new Supplier<>() {
      private ProgramKeySet cached = ProgramKeySet.EMPTY;
      private List<Object> readStamp = List.of();
      private long checkedAt = Long.MIN_VALUE;

      @Override
      public synchronized ProgramKeySet get() {
        long now = System.nanoTime();
        if (!cached.isEmpty() && now - checkedAt < 1_000_000_000L) {
          return cached;
        }
        checkedAt = now;
        try {
          // Follows symbolic links: the stamp is the file a ConfigMap mount points at now.
          BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
          List<Object> stamp = List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
          if (cached.isEmpty() || !stamp.equals(readStamp)) {
            ProgramKeySet read =
                ProgramKeySet.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (!read.isEmpty()) {
              if (!cached.isEmpty() && !read.keys().keySet().equals(cached.keys().keySet())) {
                LOG.infof("program keys published now: %s", read.keys().keySet());
              }
              cached = read;
              readStamp = stamp;
            }
          }
        } catch (IOException | IllegalArgumentException e) {
          LOG.debugf("public key file %s not readable: %s", file, e.getMessage());
        }
        return cached;
      }
    };
  }

  /** Loads the controller's public key when first available and keeps it. */
  public static Supplier<PublicKey> publicKeyFile(Path file) {
    return new Supplier<>() {
      private PublicKey key;

      @Override
      public synchronized PublicKey get() {
        if (key == null && Files.exists(file)) {
          try {
            key = ProgramSignatures.parsePublicKey(Files.readString(file, StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        return key;
      }
    };
  }
}

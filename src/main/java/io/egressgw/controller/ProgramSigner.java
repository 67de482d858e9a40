package io.egressgw.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.ProgramDelta;
import io.egressgw.program.ProgramKeySet;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.program.SignedProgram;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Signs every NodeProgram the controller serves with its Ed25519 key, so that agents accept
 * programs from the controller only, whatever the transport. The key comes from a file (a Secret in
 * a cluster, shared by the replicas); in embedded/lab mode a key pair is generated on first use and
 * the public half written for the agents.
 *
 * <p>An agent's poll carries a nonce, and the answer is signed bound to it ({@link
 * ProgramSignatures#signBound}): a recorded answer cannot be replayed to the agent later. Only a
 * poll without a nonce (an agent from before binding) gets a plain signature, cached per
 * generation.
 */
@ApplicationScoped
public class ProgramSigner {
  private static final Logger LOG = Logger.getLogger(ProgramSigner.class);

  @Inject ChannelSettings settings;
  @Inject ObjectMapper json;

  private volatile PrivateKey privateKey;
  private volatile PublicKey publicKey;
  private volatile String keyId;
  private final Map<String, Signed> lastSigned = new ConcurrentHashMap<>();
  private final Map<String, Serialised> lastSerialised = new ConcurrentHashMap<>();

  private record Signed(long generation, SignedProgram program) {}

  /** A program's JSON: what a bound answer re-signs costs a signature, not a serialisation. */
  private static final class Serialised {
    final long generation;
    final byte[] json;

    Serialised(long generation, byte[] json) {
      this.generation = generation;
      this.json = json;
    }
  }

  /**
   * Signs on a small pool of its own: a rollout completes hundreds of long-polls at once, and the
   * thread that completes them (the reconcile thread) must not serialise and sign them one by one.
   */
  private final ExecutorService pool =
      Executors.newFixedThreadPool(
          Math.max(2, Runtime.getRuntime().availableProcessors()),
          ReconcileLoop.daemon("egw-program-signer"));

  /** Signs the program bound to the poll's {@code nonce}; null: a plain signature. */
  public CompletableFuture<SignedProgram> signAsync(NodeProgram program, String nonce) {
    return CompletableFuture.supplyAsync(
        () ->
            nonce == null
                ? sign(program)
                : ProgramSignatures.signBound(serialised(program), nonce, key(), keyId),
        pool);
  }

  /**
   * Signs what turns {@code base} (the program the agent holds) into {@code program}: a {@link
   * ProgramDelta}, whose size follows the change rather than the program; bound to the poll's
   * {@code nonce} unless it is null.
   */
  public CompletableFuture<SignedProgram> signDeltaAsync(
      NodeProgram base, NodeProgram program, String nonce) {
    return CompletableFuture.supplyAsync(
        () -> {
          byte[] delta = json(ProgramDelta.between(base, program));
          return nonce == null
              ? ProgramSignatures.sign(delta, key(), keyId)
              : ProgramSignatures.signBound(delta, nonce, key(), keyId);
        },
        pool);
  }

  private byte[] serialised(NodeProgram program) {
    Serialised cached = lastSerialised.get(program.node());
    if (cached != null && cached.generation == program.generation()) {
      return cached.json;
    }
    byte[] bytes = json(program);
    lastSerialised.put(program.node(), new Serialised(program.generation(), bytes));
    return bytes;
  }

  @PreDestroy
  void stop() {
    pool.shutdownNow();
  }

  public SignedProgram sign(NodeProgram program) {
    Signed cached = lastSigned.get(program.node());
    if (cached != null && cached.generation() == program.generation()) {
      return cached.program();
    }
    SignedProgram signed = signJson(program);
    lastSigned.put(program.node(), new Signed(program.generation(), signed));
    return signed;
  }

  /** The exact JSON bytes of a program or delta, signed. */
  private SignedProgram signJson(Object payload) {
    PrivateKey k = key();
    return ProgramSignatures.sign(json(payload), k, keyId);
  }

  private byte[] json(Object payload) {
    try {
      return json.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public PublicKey publicKey() {
    key();
    return publicKey;
  }

  private PrivateKey key() {
    if (privateKey == null) {
      load();
    }
    return privateKey;
  }

  private synchronized void load() {
    if (privateKey != null) {
      return;
    }
    Path keyFile = Path.of(settings.signingKeyFile());
    Path pubFile = Path.of(settings.publicKeyFile());
    try {
      if (Files.exists(keyFile)) {
        PrivateKey signing =
            ProgramSignatures.parsePrivateKey(Files.readString(keyFile, StandardCharsets.UTF_8));
        String id = ProgramSignatures.keyId(signing);
        // The public file is the published set (several keys during a rotation): ours is the
        // one with the signing key's id.
        publicKey =
            ProgramKeySet.parse(Files.readString(pubFile, StandardCharsets.UTF_8)).keys().get(id);
        if (publicKey == null) {
          throw new IllegalStateException(
              "the signing key " + id + " is not in the published set " + pubFile);
        }
        // Programs name their key only while several are published: agents from before key
        // ids refuse an unknown field, and with one key there is nothing to choose.
        keyId =
            ProgramKeySet.parse(Files.readString(pubFile, StandardCharsets.UTF_8)).keys().size() > 1
                ? id
                : null;
        privateKey = signing;
        return;
      }
      if (!settings.generateKeys()) {
        throw new IllegalStateException(
            "signing key " + keyFile + " missing and generation disabled");
      }
      KeyPair pair = ProgramSignatures.generate();
      Files.createDirectories(keyFile.toAbsolutePath().getParent());
      Files.createDirectories(pubFile.toAbsolutePath().getParent());
      Files.writeString(pubFile, ProgramSignatures.publicKeyPem(pair.getPublic()));
      Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
      Files.writeString(tmp, ProgramSignatures.privateKeyPem(pair.getPrivate()));
      PrivateFiles.restrict(tmp);
      Files.move(tmp, keyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      publicKey = pair.getPublic();
      privateKey = pair.getPrivate();
      LOG.infof("generated the program signing key %s (public half: %s)", keyFile, pubFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

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
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
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
 *
 * <p>The key rotates without a restart: when the key file or the published set changes (the
 * rotation's switch, {@link io.egressgw.program.ProgramKeyRing}) the next signature uses the new
 * key, named by its key id so that agents pick it from their published set.
 */
@ApplicationScoped
public class ProgramSigner {
  private static final Logger LOG = Logger.getLogger(ProgramSigner.class);

  @Inject ChannelSettings settings;
  @Inject ObjectMapper json;

  /** How often, at most, the key files are checked for a change (a rotation's switch). */
  static final long CHECK_EVERY_NANOS = 1_000_000_000L;

  private volatile SigningKey current;
  private volatile long checkedAt;
  private List<FileStamp> refusedStamps;
  private final Map<String, Signed> lastSigned = new ConcurrentHashMap<>();
  private final Map<String, Serialised> lastSerialised = new ConcurrentHashMap<>();

  private record Signed(long generation, SigningKey key, SignedProgram program) {}

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
        () -> {
          if (nonce == null) {
            return sign(program);
          }
          SigningKey k = current();
          return ProgramSignatures.signBound(serialised(program), nonce, k.privateKey(), k.keyId());
        },
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
          SigningKey k = current();
          return nonce == null
              ? ProgramSignatures.sign(delta, k.privateKey(), k.keyId())
              : ProgramSignatures.signBound(delta, nonce, k.privateKey(), k.keyId());
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
    SigningKey k = current();
    Signed cached = lastSigned.get(program.node());
    // Cached per generation and key: after a switch even an unchanged program is signed anew.
    if (cached != null
        && cached.generation() == program.generation()
        && cached.key().id().equals(k.id())
        && java.util.Objects.equals(cached.key().keyId(), k.keyId())) {
      return cached.program();
    }
    SignedProgram signed = ProgramSignatures.sign(json(program), k.privateKey(), k.keyId());
    lastSigned.put(program.node(), new Signed(program.generation(), k, signed));
    return signed;
  }

  private byte[] json(Object payload) {
    try {
      return json.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public PublicKey publicKey() {
    return current().publicKey();
  }

  /**
   * The key that signs now: read on first use, and read again when the key file or the published
   * set changed (checked at most every {@link #CHECK_EVERY_NANOS}), so that a rotation's switch
   * takes effect without a restart. A change that does not make a usable key (a half-written file,
   * a signing key missing from the published set) keeps the key in use and is logged.
   */
  private SigningKey current() {
    SigningKey k = current;
    if (k == null) {
      return load();
    }
    if (System.nanoTime() - checkedAt > CHECK_EVERY_NANOS) {
      return reloadIfChanged();
    }
    return k;
  }

  private synchronized SigningKey reloadIfChanged() {
    long now = System.nanoTime();
    if (now - checkedAt <= CHECK_EVERY_NANOS) {
      return current;
    }
    checkedAt = now;
    List<FileStamp> stamps = stamps();
    if (stamps.equals(current.read()) || stamps.equals(refusedStamps)) {
      return current;
    }
    try {
      SigningKey read = read(stamps);
      if (!read.id().equals(current.id())) {
        LOG.infof("program signing key changed: %s signs now (was %s)", read.id(), current.id());
      }
      current = read;
      refusedStamps = null;
    } catch (RuntimeException | IOException e) {
      refusedStamps = stamps;
      LOG.warnf(
          "program signing key files changed but are not usable, still signing with %s: %s",
          current.id(), e.getMessage());
    }
    return current;
  }

  private List<FileStamp> stamps() {
    return List.of(
        FileStamp.of(Path.of(settings.signingKeyFile())),
        FileStamp.of(Path.of(settings.publicKeyFile())));
  }

  /** The signing key in the key file, and its public half from the published set. */
  private SigningKey read(List<FileStamp> stamps) throws IOException {
    Path keyFile = Path.of(settings.signingKeyFile());
    Path pubFile = Path.of(settings.publicKeyFile());
    PrivateKey signing =
        ProgramSignatures.parsePrivateKey(Files.readString(keyFile, StandardCharsets.UTF_8));
    String id = ProgramSignatures.keyId(signing);
    // The public file is the published set (several keys during a rotation): ours is the one
    // with the signing key's id.
    ProgramKeySet published =
        ProgramKeySet.parse(Files.readString(pubFile, StandardCharsets.UTF_8));
    PublicKey pub = published.keys().get(id);
    if (pub == null) {
      throw new IllegalStateException(
          "the signing key " + id + " is not in the published set " + pubFile);
    }
    // Programs name their key only while several are published: agents from before key ids
    // refuse an unknown field, and with one key there is nothing to choose.
    return new SigningKey(signing, pub, id, published.keys().size() > 1 ? id : null, stamps);
  }

  private synchronized SigningKey load() {
    if (current != null) {
      return current;
    }
    Path keyFile = Path.of(settings.signingKeyFile());
    Path pubFile = Path.of(settings.publicKeyFile());
    try {
      if (!Files.exists(keyFile)) {
        if (!settings.generateKeys()) {
          throw new IllegalStateException(
              "signing key " + keyFile + " missing and generation disabled");
        }
        KeyPair pair = ProgramSignatures.generate();
        Files.createDirectories(keyFile.toAbsolutePath().getParent());
        Files.createDirectories(pubFile.toAbsolutePath().getParent());
        Files.writeString(pubFile, ProgramSignatures.publicKeyPem(pair.getPublic()));
        PrivateFiles.write(keyFile, ProgramSignatures.privateKeyPem(pair.getPrivate()));
        LOG.infof("generated the program signing key %s (public half: %s)", keyFile, pubFile);
      }
      checkedAt = System.nanoTime();
      current = read(stamps());
      return current;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A key and what it was read from.
   *
   * @param id the key's id
   * @param keyId the id programs name (null while one key is published)
   * @param read the key file's and the published set's state when read
   */
  private record SigningKey(
      PrivateKey privateKey, PublicKey publicKey, String id, String keyId, List<FileStamp> read) {}

  /**
   * What tells that a file changed: modified time, size and identity (an atomic move's new inode).
   */
  private record FileStamp(FileTime modified, long size, Object fileKey) {
    static final FileStamp MISSING = new FileStamp(FileTime.fromMillis(0), -1, "missing");

    static FileStamp of(Path file) {
      try {
        // Follows symbolic links: a Secret or ConfigMap mount swaps the link to a new file.
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(
            a.lastModifiedTime(), a.size(), a.fileKey() == null ? "none" : a.fileKey());
      } catch (IOException e) {
        return MISSING;
      }
    }
  }
}

package io.egressgw.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.ProgramKeyRing;
import io.egressgw.program.ProgramSignatures;
import io.egressgw.program.SignedProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: while the program-signing key rotates, the controller names its key in every program so
 * that agents pick it from the published set; with one key published it names none, because agents
 * from before key ids refuse a program with a field they do not know.
 */
class ProgramSignerTest {
  static final String NONCE = "AAAAAAAAAAAAAAAAAAAAAA";
  static final NodeProgram PROGRAM = NodeProgram.empty("worker1", 7);
  static final NodeProgram NEXT = NodeProgram.empty("worker1", 8);

  @TempDir Path dir;
  final ObjectMapper json = new ObjectMapper();

  /** What an agent from before key ids parsed (Jackson refuses unknown fields by default). */
  record SignedProgramBeforeKeyIds(String payload, String signature, String nonce) {}

  /** A signer with the key files the init step writes: {@code ring}'s signing key and set. */
  @SuppressWarnings("UnnecessaryAssignment") // no CDI here: the test injects by hand
  ProgramSigner signer(ProgramKeyRing ring, String replica) throws Exception {
    Path key = Files.createDirectories(dir.resolve(replica)).resolve("controller-signing.key");
    Path pub = dir.resolve(replica).resolve("controller-signing.pub");
    Files.writeString(key, ring.signing());
    Files.writeString(pub, ring.publishedPem());
    ProgramSigner signer = new ProgramSigner();
    signer.settings = settings(key, pub);
    signer.json = json;
    return signer;
  }

  /** Every way the signer signs: bound, a bound delta, a plain delta, plain. */
  static SignedProgram[] everySignature(ProgramSigner signer) {
    return new SignedProgram[] {
      signer.signAsync(PROGRAM, NONCE).join(),
      signer.signDeltaAsync(PROGRAM, NEXT, NONCE).join(),
      signer.signDeltaAsync(PROGRAM, NEXT, null).join(),
      signer.sign(PROGRAM)
    };
  }

  static byte[] agentVerifies(SignedProgram signed, ProgramKeyRing published) {
    return signed.nonce() == null
        ? ProgramSignatures.verify(signed, published.keySet().keyFor(signed))
        : ProgramSignatures.verifyBound(signed, NONCE, published.keySet());
  }

  @Test
  void withOneKeyPublishedProgramsNameNoKeyAndAgentsFromBeforeKeyIdsParseThem() throws Exception {
    ProgramKeyRing ring = ProgramKeyRing.generate();
    ProgramSigner signer = signer(ring, "one");

    try {
      for (SignedProgram signed : everySignature(signer)) {
        assertThat(signed.keyId()).isNull();
        String wire = json.writeValueAsString(signed);
        assertThat(wire).doesNotContain("keyId");
        assertThat(json.readValue(wire, SignedProgramBeforeKeyIds.class).signature())
            .isEqualTo(signed.signature());
      }
      SignedProgram bound = signer.signAsync(PROGRAM, NONCE).join();
      assertThat(ProgramSignatures.verifyBound(bound, NONCE, ring.keySet()))
          .isEqualTo(json.writeValueAsBytes(PROGRAM));
    } finally {
      signer.stop();
    }
  }

  @Test
  void withTwoKeysPublishedProgramsNameTheirKeyAndAgentsAcceptBothKeys() throws Exception {
    ProgramKeyRing added = ProgramKeyRing.generate().addKey();
    ProgramKeyRing switched = added.switchSigning();
    ProgramSigner beforeSwitch = signer(added, "old-key");
    ProgramSigner afterSwitch = signer(switched, "new-key");
    String oldId = ProgramSignatures.keyId(ProgramSignatures.parsePrivateKey(added.signing()));
    String newId = ProgramSignatures.keyId(ProgramSignatures.parsePrivateKey(switched.signing()));

    try {
      for (SignedProgram signed : everySignature(beforeSwitch)) {
        assertThat(signed.keyId()).isEqualTo(oldId);
        assertThat(json.writeValueAsString(signed)).contains("\"keyId\":\"" + oldId + "\"");
        assertThat(agentVerifies(signed, added)).isNotEmpty();
        assertThat(agentVerifies(signed, switched)).isNotEmpty();
      }
      for (SignedProgram signed : everySignature(afterSwitch)) {
        assertThat(signed.keyId()).isEqualTo(newId);
        assertThat(agentVerifies(signed, added)).isNotEmpty();
        assertThat(agentVerifies(signed, switched)).isNotEmpty();
      }
      SignedProgram bound = afterSwitch.signAsync(PROGRAM, NONCE).join();
      assertThat(ProgramSignatures.verifyBound(bound, NONCE, added.keySet()))
          .isEqualTo(json.writeValueAsBytes(PROGRAM));
      assertThatThrownBy(
              () -> json.readValue(json.writeValueAsString(bound), SignedProgramBeforeKeyIds.class))
          .isInstanceOf(UnrecognizedPropertyException.class);
    } finally {
      beforeSwitch.stop();
      afterSwitch.stop();
    }
  }

  @Test
  void aSigningKeyOutsideThePublishedSetIsRefused() throws Exception {
    ProgramKeyRing published = ProgramKeyRing.generate();
    ProgramKeyRing other = ProgramKeyRing.generate();
    ProgramSigner signer =
        signer(new ProgramKeyRing(other.signing(), null, published.published()), "stray");

    try {
      assertThatThrownBy(() -> signer.sign(PROGRAM))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not in the published set");
    } finally {
      signer.stop();
    }
  }

  static ChannelSettings settings(Path key, Path pub) {
    return new ChannelSettings() {
      @Override
      public Duration longPollTimeout() {
        return Duration.ofSeconds(25);
      }

      @Override
      public Duration rolloutStepTimeout() {
        return Duration.ofSeconds(1);
      }

      @Override
      public String signingKeyFile() {
        return key.toString();
      }

      @Override
      public String publicKeyFile() {
        return pub.toString();
      }

      @Override
      public boolean generateKeys() {
        return false;
      }

      @Override
      public java.util.Optional<String> signingKeySecret() {
        return java.util.Optional.empty();
      }

      @Override
      public Duration keySyncInterval() {
        return Duration.ofSeconds(30);
      }

      @Override
      public OptionalInt port() {
        return OptionalInt.empty();
      }

      @Override
      public Auth auth() {
        throw new UnsupportedOperationException("not used by the signer");
      }

      @Override
      public Replication replication() {
        throw new UnsupportedOperationException("not used by the signer");
      }
    };
  }
}

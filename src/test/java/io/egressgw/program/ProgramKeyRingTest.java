package io.egressgw.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the program-signing key can rotate. Agents accept any key of the published set, by the
 * key id a program names; the controller adds a key, publishes both, switches signing, then retires
 * the old one.
 */
class ProgramKeyRingTest {
  static final byte[] PROGRAM =
      "{\"node\":\"worker1\",\"generation\":7}".getBytes(StandardCharsets.US_ASCII);
  static final String NONCE = "AAAAAAAAAAAAAAAAAAAAAA";

  static SignedProgram signedWith(String privateKeyPem) {
    PrivateKey key = ProgramSignatures.parsePrivateKey(privateKeyPem);
    return ProgramSignatures.signBound(PROGRAM, NONCE, key, ProgramSignatures.keyId(key));
  }

  static byte[] verify(SignedProgram program, ProgramKeyRing agentsSee) {
    return ProgramSignatures.verifyBound(program, NONCE, agentsSee.keySet());
  }

  @Test
  void duringTheOverlapBothKeysAreAcceptedAfterRetirementOnlyTheNewOne() {
    ProgramKeyRing start = ProgramKeyRing.generate();
    String oldKey = start.signing();

    ProgramKeyRing added = start.addKey();
    String newKey = added.next();
    assertThat(added.signing()).isEqualTo(oldKey);
    assertThat(added.keySet().keys()).hasSize(2);
    assertThat(verify(signedWith(oldKey), added)).isEqualTo(PROGRAM);
    assertThat(verify(signedWith(newKey), added)).isEqualTo(PROGRAM);

    ProgramKeyRing switched = added.switchSigning();
    assertThat(switched.signing()).isEqualTo(newKey);
    assertThat(verify(signedWith(oldKey), switched)).isEqualTo(PROGRAM);
    assertThat(verify(signedWith(newKey), switched)).isEqualTo(PROGRAM);

    ProgramKeyRing retired = switched.retireOld();
    assertThat(retired.keySet().keys()).hasSize(1);
    assertThat(verify(signedWith(newKey), retired)).isEqualTo(PROGRAM);
    assertThatThrownBy(() -> verify(signedWith(oldKey), retired))
        .isInstanceOf(SecurityException.class)
        .hasMessageContaining("not published");
  }

  @Test
  void aProgramNamingThePublishedKeyButSignedWithAnotherIsRefused() {
    ProgramKeyRing ring = ProgramKeyRing.generate();
    ProgramKeyRing other = ProgramKeyRing.generate();
    SignedProgram forged = signedWith(other.signing());
    String publishedId = ProgramSignatures.keyId(ProgramSignatures.parsePrivateKey(ring.signing()));
    SignedProgram relabelled =
        new SignedProgram(forged.payload(), forged.signature(), forged.nonce(), publishedId);

    assertThatThrownBy(() -> verify(relabelled, ring))
        .isInstanceOf(SecurityException.class)
        .hasMessageContaining("does not verify");
    assertThatThrownBy(() -> verify(forged, ring))
        .isInstanceOf(SecurityException.class)
        .hasMessageContaining("not published");
  }

  // A controller that publishes one key (or predates key ids) names none: any published key may
  // verify it, so a rotation's overlap accepts it, a retirement of its key refuses it.
  @Test
  void aProgramWithoutAKeyIdVerifiesUnderAnyPublishedKey() {
    ProgramKeyRing ring = ProgramKeyRing.generate();
    PrivateKey key = ProgramSignatures.parsePrivateKey(ring.signing());
    SignedProgram legacy = ProgramSignatures.signBound(PROGRAM, NONCE, key);
    ProgramKeyRing added = ring.addKey();
    ProgramKeyRing retired = added.switchSigning().retireOld();

    assertThat(verify(legacy, ring)).isEqualTo(PROGRAM);
    assertThat(verify(legacy, added)).isEqualTo(PROGRAM);
    assertThatThrownBy(() -> verify(legacy, retired))
        .isInstanceOf(SecurityException.class)
        .hasMessageContaining("does not verify");
  }

  @Test
  void theStepsRefuseTheWrongOrder() {
    ProgramKeyRing ring = ProgramKeyRing.generate();
    assertThatThrownBy(ring::switchSigning).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ring.addKey().retireOld()).isInstanceOf(IllegalStateException.class);
    assertThat(ring.addKey().addKey().keySet().keys()).hasSize(2);
  }
}

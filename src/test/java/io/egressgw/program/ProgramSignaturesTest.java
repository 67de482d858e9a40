package io.egressgw.program;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Ed25519 program signatures: only the controller's key, over exactly the bytes sent. */
class ProgramSignaturesTest {
  private final KeyPair controller = ProgramSignatures.generate();
  private final byte[] payload =
      "{\"node\":\"w1\",\"generation\":3}".getBytes(StandardCharsets.UTF_8);

  @Test
  void verifiesWithThePemEncodedPublicKey() {
    SignedProgram signed = ProgramSignatures.sign(payload, controller.getPrivate());
    var key =
        ProgramSignatures.parsePublicKey(ProgramSignatures.publicKeyPem(controller.getPublic()));
    assertArrayEquals(payload, ProgramSignatures.verify(signed, key));
  }

  @Test
  void rejectsAnotherKey() {
    SignedProgram forged =
        ProgramSignatures.sign(payload, ProgramSignatures.generate().getPrivate());
    assertThrows(
        SecurityException.class, () -> ProgramSignatures.verify(forged, controller.getPublic()));
  }

  @Test
  void rejectsATamperedPayload() {
    SignedProgram signed = ProgramSignatures.sign(payload, controller.getPrivate());
    String tampered =
        Base64.getEncoder()
            .encodeToString("{\"node\":\"w2\",\"generation\":3}".getBytes(StandardCharsets.UTF_8));
    assertThrows(
        SecurityException.class,
        () ->
            ProgramSignatures.verify(
                new SignedProgram(tampered, signed.signature(), null), controller.getPublic()));
  }

  @Test
  void rejectsAnUnsignedOrMalformedProgram() {
    assertThrows(
        SecurityException.class,
        () ->
            ProgramSignatures.verify(
                new SignedProgram("e30=", null, null), controller.getPublic()));
    assertThrows(
        SecurityException.class,
        () ->
            ProgramSignatures.verify(
                new SignedProgram("e30=", "!!", null), controller.getPublic()));
  }

  @Test
  void privateKeyRoundTripsThroughPem() {
    var parsed =
        ProgramSignatures.parsePrivateKey(ProgramSignatures.privateKeyPem(controller.getPrivate()));
    SignedProgram signed = ProgramSignatures.sign(payload, parsed);
    assertArrayEquals(payload, ProgramSignatures.verify(signed, controller.getPublic()));
  }

  @Test
  void signaturesAreStandardEd25519BothWays() throws Exception {
    // Signed with Bouncy Castle, verified by the JDK, and the other way round (RFC 8032 both).
    SignedProgram signed = ProgramSignatures.sign(payload, controller.getPrivate());
    java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
    jdk.initVerify(controller.getPublic());
    jdk.update(payload);
    org.junit.jupiter.api.Assertions.assertTrue(
        jdk.verify(Base64.getDecoder().decode(signed.signature())));

    jdk.initSign(controller.getPrivate());
    jdk.update(payload);
    SignedProgram byJdk =
        new SignedProgram(
            Base64.getEncoder().encodeToString(payload),
            Base64.getEncoder().encodeToString(jdk.sign()),
            null);
    assertArrayEquals(payload, ProgramSignatures.verify(byJdk, controller.getPublic()));
  }

  @Test
  void rejectsAKeyOfAnotherAlgorithm() throws Exception {
    SignedProgram signed = ProgramSignatures.sign(payload, controller.getPrivate());
    var rsa = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair();
    assertThrows(SecurityException.class, () -> ProgramSignatures.verify(signed, rsa.getPublic()));
  }

  @Test
  void aBoundProgramVerifiesOnlyForThePollThatCarriedItsNonce() {
    String poll = ProgramSignatures.newNonce();
    SignedProgram signed = ProgramSignatures.signBound(payload, poll, controller.getPrivate());

    assertArrayEquals(payload, ProgramSignatures.verifyBound(signed, poll, controller.getPublic()));
    assertThrows(
        SecurityException.class,
        () ->
            ProgramSignatures.verifyBound(
                signed, ProgramSignatures.newNonce(), controller.getPublic()));
  }

  @Test
  void aBoundProgramCannotBeRelabelledWithAnotherNonce() {
    String poll = ProgramSignatures.newNonce();
    String later = ProgramSignatures.newNonce();
    SignedProgram signed = ProgramSignatures.signBound(payload, poll, controller.getPrivate());
    SignedProgram relabelled = new SignedProgram(signed.payload(), signed.signature(), later);

    assertThrows(
        SecurityException.class,
        () -> ProgramSignatures.verifyBound(relabelled, later, controller.getPublic()));
  }

  @Test
  void anUnboundProgramIsRefusedWhereABoundOneIsExpected() {
    String poll = ProgramSignatures.newNonce();
    SignedProgram plain = ProgramSignatures.sign(payload, controller.getPrivate());
    SignedProgram labelled = new SignedProgram(plain.payload(), plain.signature(), poll);

    assertThrows(
        SecurityException.class,
        () -> ProgramSignatures.verifyBound(plain, poll, controller.getPublic()));
    assertThrows(
        SecurityException.class,
        () -> ProgramSignatures.verifyBound(labelled, poll, controller.getPublic()));
  }

  @Test
  void pollNoncesAreFreshAndWellFormed() {
    String a = ProgramSignatures.newNonce();
    String b = ProgramSignatures.newNonce();
    org.junit.jupiter.api.Assertions.assertNotEquals(a, b);
    org.junit.jupiter.api.Assertions.assertTrue(ProgramSignatures.validNonce(a));
    org.junit.jupiter.api.Assertions.assertFalse(ProgramSignatures.validNonce("short"));
    org.junit.jupiter.api.Assertions.assertFalse(
        ProgramSignatures.validNonce("../../../../etc/passwd-xxxxxxxx"));
  }
}

package io.egressgw.agent.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Ed25519 program signatures: only the controller's key, over exactly the bytes sent. */
class ProgramSignaturesTest {
  private final KeyPair controller = ProgramSignatures.generate();
  private final byte[] payload = "{\"node\":\"w1\",\"generation\":3}".getBytes(StandardCharsets.UTF_8);

  @Test
  void verifiesWithThePemEncodedPublicKey() {
    SignedProgram signed = ProgramSignatures.sign(payload, controller.getPrivate());
    var key = ProgramSignatures.parsePublicKey(ProgramSignatures.publicKeyPem(controller.getPublic()));
    assertArrayEquals(payload, ProgramSignatures.verify(signed, key));
  }

  @Test
  void rejectsAnotherKey() {
    SignedProgram forged = ProgramSignatures.sign(payload, ProgramSignatures.generate().getPrivate());
    assertThrows(SecurityException.class, () -> ProgramSignatures.verify(forged, controller.getPublic()));
  }

  @Test
  void rejectsATamperedPayload() {
    SignedProgram signed = ProgramSignatures.sign(payload, controller.getPrivate());
    String tampered = Base64.getEncoder().encodeToString(
        "{\"node\":\"w2\",\"generation\":3}".getBytes(StandardCharsets.UTF_8));
    assertThrows(SecurityException.class, () ->
        ProgramSignatures.verify(new SignedProgram(tampered, signed.signature()), controller.getPublic()));
  }

  @Test
  void rejectsAnUnsignedOrMalformedProgram() {
    assertThrows(SecurityException.class, () ->
        ProgramSignatures.verify(new SignedProgram("e30=", null), controller.getPublic()));
    assertThrows(SecurityException.class, () ->
        ProgramSignatures.verify(new SignedProgram("e30=", "!!"), controller.getPublic()));
  }

  @Test
  void privateKeyRoundTripsThroughPem() {
    var parsed = ProgramSignatures.parsePrivateKey(ProgramSignatures.privateKeyPem(controller.getPrivate()));
    SignedProgram signed = ProgramSignatures.sign(payload, parsed);
    assertArrayEquals(payload, ProgramSignatures.verify(signed, controller.getPublic()));
  }
}

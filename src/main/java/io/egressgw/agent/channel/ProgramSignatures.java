package io.egressgw.agent.channel;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Ed25519 signing and verification of programs, and PEM encoding of the keys (JDK only). */
public final class ProgramSignatures {
  private static final String ALG = "Ed25519";

  private ProgramSignatures() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALG).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static SignedProgram sign(byte[] payload, PrivateKey key) {
    try {
      Signature s = Signature.getInstance(ALG);
      s.initSign(key);
      s.update(payload);
      return new SignedProgram(
          Base64.getEncoder().encodeToString(payload), Base64.getEncoder().encodeToString(s.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The payload bytes when the signature is valid under {@code key}.
   *
   * @throws SecurityException when the signature is missing, malformed or does not verify
   */
  public static byte[] verify(SignedProgram signed, PublicKey key) {
    if (signed == null || signed.payload() == null || signed.signature() == null) {
      throw new SecurityException("unsigned program");
    }
    try {
      byte[] payload = Base64.getDecoder().decode(signed.payload());
      Signature s = Signature.getInstance(ALG);
      s.initVerify(key);
      s.update(payload);
      if (!s.verify(Base64.getDecoder().decode(signed.signature()))) {
        throw new SecurityException("program signature does not verify");
      }
      return payload;
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new SecurityException("malformed program signature: " + e.getMessage(), e);
    }
  }

  public static String publicKeyPem(PublicKey key) {
    return pem("PUBLIC KEY", key.getEncoded());
  }

  public static String privateKeyPem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  public static PublicKey parsePublicKey(String pem) {
    try {
      return KeyFactory.getInstance(ALG).generatePublic(new X509EncodedKeySpec(unpem(pem)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  public static PrivateKey parsePrivateKey(String pem) {
    try {
      return KeyFactory.getInstance(ALG).generatePrivate(new PKCS8EncodedKeySpec(unpem(pem)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] unpem(String pem) {
    String body = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }
}

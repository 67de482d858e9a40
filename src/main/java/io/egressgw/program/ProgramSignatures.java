package io.egressgw.program;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Ed25519 signing and verification of programs (Bouncy Castle's lightweight API, see {@link
 * #parameters}), and PEM encoding of the keys (JDK key classes).
 *
 * <p>A program answered to a poll is <em>bound to that poll</em> ({@link #signBound}): the agent
 * sends a fresh random nonce with every long-poll, and the signature covers the nonce as well as
 * the payload, so a validly signed program is accepted only as the answer to the one request it was
 * made for. A program recorded on the wire (or stolen from a node's logs) cannot be replayed later,
 * even when its generation is still above what the agent applied (issue 15).
 */
public final class ProgramSignatures {
  private static final String ALG = "Ed25519";

  /**
   * Prefix of a bound signature's message. A plain (unbound) signature covers JSON, which never
   * starts with this, so neither kind of signature can pass for the other.
   */
  private static final byte[] BOUND_DOMAIN =
      "egressgw-program-bound-v1\n".getBytes(StandardCharsets.US_ASCII);

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  private static final java.util.regex.Pattern NONCE =
      java.util.regex.Pattern.compile("[A-Za-z0-9_-]{16,64}");

  private ProgramSignatures() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALG).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static SignedProgram sign(byte[] payload, PrivateKey key) {
    return sign(payload, key, null);
  }

  /** A plain signature naming {@code keyId} (null: none) as the key that made it. */
  public static SignedProgram sign(byte[] payload, PrivateKey key, String keyId) {
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, parameters(key));
    s.update(payload, 0, payload.length);
    return new SignedProgram(
        Base64.getEncoder().encodeToString(payload),
        Base64.getEncoder().encodeToString(s.generateSignature()),
        null,
        keyId);
  }

  /**
   * A key's id: the first 16 characters of the base64url SHA-256 of its raw 32-byte Ed25519 public
   * key. Programs name it ({@link SignedProgram#keyId()}) so that agents pick the key from the
   * published set ({@link ProgramKeySet}).
   */
  public static String keyId(PublicKey key) {
    try {
      return keyIdOfRaw(
          ((Ed25519PublicKeyParameters) PublicKeyFactory.createKey(key.getEncoded())).getEncoded());
    } catch (IOException | ClassCastException e) {
      throw new IllegalArgumentException("not an Ed25519 public key", e);
    }
  }

  /** The id of the public half of {@code key} (see {@link #keyId(PublicKey)}). */
  public static String keyId(PrivateKey key) {
    try {
      return keyIdOfRaw(
          ((Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(key.getEncoded()))
              .generatePublicKey()
              .getEncoded());
    } catch (IOException | ClassCastException e) {
      throw new IllegalArgumentException("not an Ed25519 private key", e);
    }
  }

  private static String keyIdOfRaw(byte[] raw) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(raw);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh poll nonce: 128 random bits, base64url without padding (22 characters). */
  public static String newNonce() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether {@code nonce} has the form of a poll nonce (base64url, 16 to 64 characters). */
  public static boolean validNonce(String nonce) {
    return nonce != null && NONCE.matcher(nonce).matches();
  }

  /** Signs the payload bound to the poll that carried {@code nonce} (see the class comment). */
  public static SignedProgram signBound(byte[] payload, String nonce, PrivateKey key) {
    return signBound(payload, nonce, key, null);
  }

  /** {@link #signBound(byte[], String, PrivateKey)}, naming {@code keyId} as the signing key. */
  public static SignedProgram signBound(
      byte[] payload, String nonce, PrivateKey key, String keyId) {
    if (!validNonce(nonce)) {
      throw new IllegalArgumentException("not a poll nonce");
    }
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, parameters(key));
    boundMessage(s, nonce, payload);
    return new SignedProgram(
        Base64.getEncoder().encodeToString(payload),
        Base64.getEncoder().encodeToString(s.generateSignature()),
        nonce,
        keyId);
  }

  /**
   * {@link #verifyBound(SignedProgram, String, PublicKey)} with the key the program names, looked
   * up in the published set; a program without a key id verifies under any published key.
   *
   * @throws SecurityException also when the key it names is not in {@code keys} (retired or
   *     unknown)
   */
  public static byte[] verifyBound(SignedProgram signed, String nonce, ProgramKeySet keys) {
    if (signed == null || signed.payload() == null || signed.signature() == null) {
      throw new SecurityException("unsigned program");
    }
    if (signed.keyId() != null) {
      return verifyBound(signed, nonce, keys.keyFor(signed));
    }
    // No key id: a controller that publishes one key, or one from before key ids. Any published
    // key is trusted, so trying each (a rotation publishes two) accepts exactly what they signed.
    SecurityException last = new SecurityException("no published program key");
    for (PublicKey key : keys.keys().values()) {
      try {
        return verifyBound(signed, nonce, key);
      } catch (SecurityException e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * The payload bytes when the program is validly signed under {@code key} and bound to the poll
   * that sent {@code nonce}.
   *
   * @throws SecurityException when it is unsigned, unbound, bound to another poll, or the signature
   *     does not verify
   */
  public static byte[] verifyBound(SignedProgram signed, String nonce, PublicKey key) {
    if (signed == null || signed.payload() == null || signed.signature() == null) {
      throw new SecurityException("unsigned program");
    }
    if (signed.nonce() == null) {
      throw new SecurityException("program not bound to a poll");
    }
    if (!signed.nonce().equals(nonce)) {
      throw new SecurityException("program bound to another poll");
    }
    byte[] payload = decode(signed.payload());
    byte[] signature = decode(signed.signature());
    Ed25519Signer s = new Ed25519Signer();
    s.init(false, parameters(key));
    boundMessage(s, nonce, payload);
    if (!s.verifySignature(signature)) {
      throw new SecurityException("program signature does not verify");
    }
    return payload;
  }

  private static void boundMessage(Ed25519Signer s, String nonce, byte[] payload) {
    byte[] n = (nonce + "\n").getBytes(StandardCharsets.US_ASCII);
    s.update(BOUND_DOMAIN, 0, BOUND_DOMAIN.length);
    s.update(n, 0, n.length);
    s.update(payload, 0, payload.length);
  }

  private static byte[] decode(String base64) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new SecurityException("malformed program signature: " + e.getMessage(), e);
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
    byte[] payload;
    byte[] signature;
    try {
      payload = Base64.getDecoder().decode(signed.payload());
      signature = Base64.getDecoder().decode(signed.signature());
    } catch (IllegalArgumentException e) {
      throw new SecurityException("malformed program signature: " + e.getMessage(), e);
    }
    Ed25519Signer s = new Ed25519Signer();
    s.init(false, parameters(key));
    s.update(payload, 0, payload.length);
    if (!s.verifySignature(signature)) {
      throw new SecurityException("program signature does not verify");
    }
    return payload;
  }

  /**
   * The key as Bouncy Castle's lightweight parameters: its Ed25519 is about ten times faster than
   * the JDK's (about 60 us to sign and 100 us to verify a program instead of about 700 us each on
   * the benchmark machine), which is what 1,000 programs per policy change cost. Same algorithm,
   * same signatures (RFC 8032); the keys stay JDK keys in standard PEM.
   */
  private static AsymmetricKeyParameter parameters(Key key) {
    boolean isPrivate = key instanceof PrivateKey;
    Converted c = isPrivate ? convertedPrivate : convertedPublic;
    if (c != null && c.key() == key) {
      return c.parameters();
    }
    try {
      AsymmetricKeyParameter p =
          isPrivate
              ? PrivateKeyFactory.createKey(key.getEncoded())
              : PublicKeyFactory.createKey(key.getEncoded());
      if (!(p instanceof Ed25519PrivateKeyParameters)
          && !(p instanceof Ed25519PublicKeyParameters)) {
        throw new SecurityException("not an Ed25519 key: " + key.getAlgorithm());
      }
      if (isPrivate) {
        convertedPrivate = new Converted(key, p);
      } else {
        convertedPublic = new Converted(key, p);
      }
      return p;
    } catch (IOException | RuntimeException e) {
      throw new SecurityException("unusable program key: " + e.getMessage(), e);
    }
  }

  private record Converted(Key key, AsymmetricKeyParameter parameters) {}

  private static volatile Converted convertedPrivate;
  private static volatile Converted convertedPublic;

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
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] unpem(String pem) {
    String body = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }
}

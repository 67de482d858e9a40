package io.egressgw.program;

import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

/**
 * The controller's program-signing keys and the steps that rotate them, as a value (pure apart from
 * key generation): {@code signing} signs every program, {@code published} are the public keys
 * agents accept (always including the signing key's), {@code next} is a key added but not yet
 * signing. Stored in the Secret egressgw-program-signing; the published set is copied to the
 * agents' trust ConfigMap.
 *
 * <ol>
 *   <li>{@link #addKey()}: a new key joins the published set; signing is unchanged.
 *   <li>{@link #switchSigning()}, once every agent has re-read the set (kubelet syncs the ConfigMap
 *       within about a minute, agents re-read it every 10 s): the new key signs; the old one stays
 *       published, so programs it signed in flight are still accepted.
 *   <li>{@link #retireOld()}: only the signing key stays published; a program signed with the old
 *       key is refused from then on.
 * </ol>
 *
 * @param signing PEM of the signing private key
 * @param next PEM of the added private key, or null
 * @param published PEM blocks of the accepted public keys, signing key's first
 */
public record ProgramKeyRing(String signing, String next, List<String> published) {
  public ProgramKeyRing {
    published = List.copyOf(published);
  }

  /** A ring with one fresh key, signing and published. */
  public static ProgramKeyRing generate() {
    KeyPair pair = ProgramSignatures.generate();
    return new ProgramKeyRing(
        ProgramSignatures.privateKeyPem(pair.getPrivate()),
        null,
        List.of(ProgramSignatures.publicKeyPem(pair.getPublic())));
  }

  /** Step 1: a new key, published beside the signing one. No-op when one is already added. */
  public ProgramKeyRing addKey() {
    if (next != null) {
      return this;
    }
    KeyPair pair = ProgramSignatures.generate();
    List<String> out = new ArrayList<>(published);
    out.add(ProgramSignatures.publicKeyPem(pair.getPublic()));
    return new ProgramKeyRing(signing, ProgramSignatures.privateKeyPem(pair.getPrivate()), out);
  }

  /** Step 2: the added key signs; both stay published. */
  public ProgramKeyRing switchSigning() {
    if (next == null) {
      throw new IllegalStateException("no key added: add one first");
    }
    return new ProgramKeyRing(next, null, published);
  }

  /** Step 3: only the signing key stays published. */
  public ProgramKeyRing retireOld() {
    if (next != null) {
      throw new IllegalStateException("a key is added but not signing: switch first");
    }
    String id = ProgramSignatures.keyId(ProgramSignatures.parsePrivateKey(signing));
    List<String> kept =
        published.stream()
            .filter(p -> ProgramSignatures.keyId(ProgramSignatures.parsePublicKey(p)).equals(id))
            .toList();
    return new ProgramKeyRing(signing, null, kept);
  }

  /** The published set as one PEM text (what agents read). */
  public String publishedPem() {
    return String.join("", published);
  }

  /** The published set as agents parse it. */
  public ProgramKeySet keySet() {
    return ProgramKeySet.parse(publishedPem());
  }
}

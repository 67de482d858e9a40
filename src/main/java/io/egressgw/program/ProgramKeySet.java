package io.egressgw.program;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The program-signing public keys an agent accepts, by key id (issue 15: a single key could not
 * rotate). The controller publishes the set (ConfigMap egressgw-agent-trust,
 * controller-signing.pub: one PEM block per key) and names in every program the key that signed it
 * ({@link SignedProgram#keyId()}); a program whose key is not in the set, such as a retired key, is
 * refused. Rotation: publish the new key beside the old one, switch signing to it once agents have
 * the set, then publish the new key alone (see {@link ProgramKeyRing}).
 */
public record ProgramKeySet(Map<String, PublicKey> keys) {
  public ProgramKeySet {
    keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
  }

  /** No key: every program is refused. */
  public static final ProgramKeySet EMPTY = new ProgramKeySet(Map.of());

  /** A set of the given keys (nulls skipped). */
  public static ProgramKeySet of(PublicKey... keys) {
    Map<String, PublicKey> out = new LinkedHashMap<>();
    for (PublicKey k : keys) {
      if (k != null) {
        out.put(ProgramSignatures.keyId(k), k);
      }
    }
    return new ProgramKeySet(out);
  }

  /** Every "PUBLIC KEY" PEM block of {@code pem}, in order. */
  public static ProgramKeySet parse(String pem) {
    List<PublicKey> keys = new ArrayList<>();
    int from = 0;
    String begin = "-----BEGIN PUBLIC KEY-----";
    String end = "-----END PUBLIC KEY-----";
    while (true) {
      int b = pem.indexOf(begin, from);
      if (b < 0) {
        break;
      }
      int e = pem.indexOf(end, b);
      if (e < 0) {
        throw new IllegalArgumentException("unterminated PUBLIC KEY block");
      }
      keys.add(ProgramSignatures.parsePublicKey(pem.substring(b, e + end.length())));
      from = e + end.length();
    }
    return of(keys.toArray(PublicKey[]::new));
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /**
   * The key that must have signed {@code signed}: the one its key id names.
   *
   * @throws SecurityException when the key id is missing or not in this set (a retired or unknown
   *     key)
   */
  public PublicKey keyFor(SignedProgram signed) {
    String id = signed.keyId();
    PublicKey key = id == null ? null : keys.get(id);
    if (key == null) {
      throw new SecurityException(
          "program signed with key " + id + ", which is not published (retired or unknown)");
    }
    return key;
  }
}

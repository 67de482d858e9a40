package io.egressgw.bootstrap;

import io.egressgw.admission.Pem;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the init step writes into the agents' trust ConfigMap when it exists already: it adds, it
 * never takes away what another writer put there. Several writers share the map: every replica's
 * init step, the leader (the CA bundle during a rotation, {@code
 * WebhookCertificates.trustInAgentConfigMap}) and {@link ProgramKeyRotation} (the published signing
 * keys). A replica's init step that replaced the whole map (issue 15: last writer wins) dropped the
 * old CA from a rotation's bundle, and agents then refused replicas still serving the old leaf.
 *
 * <ul>
 *   <li>{@code ca.crt}: a bundle; the certificates of {@code ca} missing from it are appended, the
 *       ones it holds stay (the leader trims the bundle once a rotation is over);
 *   <li>{@code controller-signing.pub}: the signing Secret's published set is the truth (a rotation
 *       step writes the Secret first, then this map): the Secret's value replaces it;
 *   <li>any other key stays as it is.
 * </ul>
 */
final class AgentTrust {
  static final String CA = "ca.crt";
  static final String SIGNING_PUB = "controller-signing.pub";

  private AgentTrust() {}

  /** The data of a new trust ConfigMap. */
  static Map<String, String> fresh(String signingPub, String ca) {
    return new TreeMap<>(Map.of(SIGNING_PUB, signingPub, CA, ca));
  }

  /** The merged data, or empty when {@code existing} holds everything already. */
  static Optional<Map<String, String>> merged(
      Map<String, String> existing, String signingPub, String ca) {
    Map<String, String> out = new TreeMap<>(existing == null ? Map.of() : existing);
    out.put(SIGNING_PUB, signingPub);
    if (ca != null) { // null: a key rotation step, which leaves the CA bundle alone
      out.put(CA, withCertificates(out.get(CA), ca));
    }
    return out.equals(existing) ? Optional.empty() : Optional.of(out);
  }

  /** {@code bundle} with every certificate of {@code added} it lacks appended, in order. */
  static String withCertificates(String bundle, String added) {
    Set<String> blocks = new LinkedHashSet<>(Pem.blocks(bundle));
    int before = blocks.size();
    blocks.addAll(Pem.blocks(added));
    if (bundle != null && blocks.size() == before) {
      return bundle; // nothing new: keep the text byte for byte
    }
    return String.join("", blocks);
  }
}

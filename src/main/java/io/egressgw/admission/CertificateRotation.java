package io.egressgw.admission;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When the controller's TLS material is renewed, as a pure function of the stored material and the
 * time (issue 15: certificates used to last 365 days and be renewed only by the init step).
 *
 * <ul>
 *   <li>One long-lived CA ({@link Lifetimes#ca()}, 10 years by default), issued once. When less
 *       than a third of its life remains, a new CA is added in front of it: the trust bundle (the
 *       webhook's caBundle, the agents' ConfigMap) then holds both until the old one expires.
 *   <li>A short-lived serving leaf ({@link Lifetimes#leaf()}, 90 days by default), renewed when
 *       less than a third of its life remains (day 60 of 90). It is signed by the newest CA that
 *       has been in the bundle for {@link #CA_PROPAGATION}, so that every client trusts the new CA
 *       before any server presents a leaf it signed.
 * </ul>
 *
 * Nothing here reads a clock or the network: the caller stores what {@link #next} returns.
 */
public final class CertificateRotation {
  /** How long a new CA is published before it signs a leaf (kubelet syncs ConfigMaps in ~1 min). */
  public static final Duration CA_PROPAGATION = Duration.ofDays(1);

  /** Validity of the CA and of the serving leaf. */
  public record Lifetimes(Duration ca, Duration leaf) {
    public static final Lifetimes DEFAULT =
        new Lifetimes(Duration.ofDays(3650), Duration.ofDays(90));

    public Lifetimes {
      if (leaf.compareTo(ca) > 0) {
        throw new IllegalArgumentException("the leaf may not outlive its CA: " + leaf + " > " + ca);
      }
    }
  }

  private record Authority(String certificatePem, X509Certificate certificate, String keyPem) {}

  private CertificateRotation() {}

  /**
   * The material to store at {@code now}: {@code current} itself (the same instance) when nothing
   * is due, otherwise material with a new CA in front and/or a new leaf. {@code current} null (no
   * material yet): a new CA and a leaf it signed.
   */
  public static ServingCertificates.Issued next(
      ServingCertificates.Issued current, List<String> dnsNames, Instant now, Lifetimes lifetimes) {
    if (current == null) {
      return ServingCertificates.issue(dnsNames, now, lifetimes.ca(), lifetimes.leaf());
    }
    List<String> certPems = Pem.blocks(current.caCertificate());
    List<String> keyPems = Pem.blocks(current.caPrivateKeys());
    List<Authority> cas = new ArrayList<>();
    for (int i = 0; i < certPems.size(); i++) {
      X509Certificate cert = Pem.certificates(certPems.get(i)).get(0);
      if (cert.getNotAfter().toInstant().isAfter(now)) {
        cas.add(new Authority(certPems.get(i), cert, i < keyPems.size() ? keyPems.get(i) : null));
      }
    }
    boolean changed = cas.size() != certPems.size();
    if (cas.isEmpty() || cas.get(0).keyPem() == null || due(cas.get(0).certificate(), now)) {
      ServingCertificates.Authority fresh = ServingCertificates.issueAuthority(now, lifetimes.ca());
      cas.add(
          0,
          new Authority(
              fresh.certificate(),
              Pem.certificates(fresh.certificate()).get(0),
              fresh.privateKey()));
      changed = true;
    }
    String leafPem = current.certificate();
    String leafKey = current.privateKey();
    Instant leafNotAfter = current.notAfter();
    X509Certificate leaf = leafPem == null ? null : Pem.certificates(leafPem).get(0);
    if (leaf == null || due(leaf, now) || cas.stream().noneMatch(ca -> signedBy(leaf, ca))) {
      Authority signer = signer(cas, now);
      ServingCertificates.Leaf fresh =
          ServingCertificates.issueLeaf(
              new ServingCertificates.Authority(signer.certificatePem(), signer.keyPem()),
              dnsNames,
              now,
              lifetimes.leaf());
      leafPem = fresh.certificate();
      leafKey = fresh.privateKey();
      leafNotAfter = fresh.notAfter();
      changed = true;
    }
    if (!changed) {
      return current;
    }
    StringBuilder bundle = new StringBuilder();
    StringBuilder keys = new StringBuilder();
    for (Authority ca : cas) {
      bundle.append(ca.certificatePem());
      if (ca.keyPem() != null) {
        keys.append(ca.keyPem());
      }
    }
    return new ServingCertificates.Issued(
        bundle.toString(), leafPem, leafKey, leafNotAfter, keys.toString());
  }

  /** True when less than a third of {@code cert}'s life remains at {@code now}. */
  public static boolean due(X509Certificate cert, Instant now) {
    return !now.isBefore(renewalTime(cert));
  }

  /** The moment two thirds of {@code cert}'s life have passed. */
  public static Instant renewalTime(X509Certificate cert) {
    Instant from = cert.getNotBefore().toInstant();
    Duration life = Duration.between(from, cert.getNotAfter().toInstant());
    return from.plus(life.multipliedBy(2).dividedBy(3));
  }

  /** The newest CA with a key that clients have had time to learn; else the newest with a key. */
  private static Authority signer(List<Authority> cas, Instant now) {
    Authority newest = null;
    for (Authority ca : cas) {
      if (ca.keyPem() == null) {
        continue;
      }
      if (newest == null) {
        newest = ca;
      }
      Instant published =
          ca.certificate().getNotBefore().toInstant().plus(ServingCertificates.BACKDATE);
      if (!published.plus(CA_PROPAGATION).isAfter(now)) {
        return ca;
      }
    }
    return newest;
  }

  private static boolean signedBy(X509Certificate leaf, Authority ca) {
    try {
      leaf.verify(ca.certificate().getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}

package io.egressgw.admission;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the controller's TLS material: a private CA (whose certificate goes into the webhook's
 * caBundle and the agents' trust bundle) and a serving certificate (leaf) for the controller
 * Service's DNS names, signed by that CA. The CA lives long and is issued once; leaves are short
 * and renewed ({@link CertificateRotation}). Pure apart from randomness and the time it is given.
 */
public final class ServingCertificates {
  /** Certificates start this much before "now": clocks of API server and nodes may lag. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  private ServingCertificates() {}

  /**
   * PEM-encoded material: {@code caCertificate} is the trust bundle (one or more CA certificates,
   * newest first; two while a CA rotates), {@code certificate} and {@code privateKey} the serving
   * leaf, {@code notAfter} the leaf's expiry, {@code caPrivateKeys} the CAs' keys in the bundle's
   * order (null for a CA whose key was never stored: it is trusted but signs nothing).
   */
  public record Issued(
      String caCertificate,
      String certificate,
      String privateKey,
      Instant notAfter,
      String caPrivateKeys) {}

  /** A CA: its certificate and key (PEM). */
  public record Authority(String certificate, String privateKey) {}

  /** A serving leaf: its certificate and key (PEM), and its expiry. */
  public record Leaf(String certificate, String privateKey, Instant notAfter) {}

  /** The DNS names the API server uses to reach a Service. */
  public static List<String> serviceDnsNames(String service, String namespace) {
    return List.of(
        service,
        service + "." + namespace,
        service + "." + namespace + ".svc",
        service + "." + namespace + ".svc.cluster.local");
  }

  /** A CA and a leaf it signed, both valid for {@code validity} from {@code now}. */
  public static Issued issue(List<String> dnsNames, Instant now, Duration validity) {
    return issue(dnsNames, now, validity, validity);
  }

  /** A CA valid for {@code caValidity} and a leaf it signed, valid for {@code leafValidity}. */
  public static Issued issue(
      List<String> dnsNames, Instant now, Duration caValidity, Duration leafValidity) {
    Authority ca = issueAuthority(now, caValidity);
    Leaf leaf = issueLeaf(ca, dnsNames, now, leafValidity);
    return new Issued(
        ca.certificate(), leaf.certificate(), leaf.privateKey(), leaf.notAfter(), ca.privateKey());
  }

  /**
   * A self-signed CA valid from {@code now} (back-dated 5 minutes for skew) for {@code validity}.
   */
  public static Authority issueAuthority(Instant now, Duration validity) {
    try {
      KeyPair caKey = newKeyPair();
      X500Name caName = new X500Name("CN=egressgw CA " + now.getEpochSecond());
      X509v3CertificateBuilder ca =
          new JcaX509v3CertificateBuilder(
              caName,
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(now.plus(validity)),
              caName,
              caKey.getPublic());
      ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      ca.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new Authority(pem(sign(ca, caKey.getPrivate())), pkcs8(caKey.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException("could not issue the CA certificate", e);
    }
  }

  /**
   * A serving certificate for {@code dnsNames} signed by {@code ca}, valid from {@code now} for
   * {@code validity} but never beyond the CA's own expiry.
   */
  public static Leaf issueLeaf(
      Authority ca, List<String> dnsNames, Instant now, Duration validity) {
    try {
      X509Certificate caCert = Pem.certificates(ca.certificate()).get(0);
      PrivateKey caKey = Pem.privateKeys(ca.privateKey()).get(0);
      KeyPair serverKey = newKeyPair();
      Instant caNotAfter = caCert.getNotAfter().toInstant();
      Date to = Date.from(now.plus(validity).isAfter(caNotAfter) ? caNotAfter : now.plus(validity));
      X509v3CertificateBuilder server =
          new JcaX509v3CertificateBuilder(
              X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()),
              serial(),
              Date.from(now.minus(BACKDATE)),
              to,
              new X500Name("CN=" + dnsNames.get(0)),
              serverKey.getPublic());
      server.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      server.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      server.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      server.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              dnsNames.stream()
                  .map(n -> new GeneralName(GeneralName.dNSName, n))
                  .toArray(GeneralName[]::new)));
      return new Leaf(pem(sign(server, caKey)), pkcs8(serverKey.getPrivate()), to.toInstant());
    } catch (Exception e) {
      throw new IllegalStateException("could not issue the serving certificate", e);
    }
  }

  private static KeyPair newKeyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  // PKCS#8 ("PRIVATE KEY"): Vert.x, which serves it, cannot read the SEC1 form ("EC PRIVATE KEY")
  // that JcaPEMWriter writes for an EC key by default ("Invalid DER").
  private static String pkcs8(PrivateKey key) throws java.io.IOException {
    return pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null));
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuer)
      throws Exception {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static String pem(Object object) throws java.io.IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }
}

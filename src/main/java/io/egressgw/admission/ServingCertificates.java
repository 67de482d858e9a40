package io.egressgw.admission;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
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
 * Issues the admission webhook's TLS material: a private CA (whose certificate becomes the
 * webhook's caBundle) and a serving certificate for the controller Service's DNS names. Pure apart
 * from randomness and the clock it is given.
 */
public final class ServingCertificates {
  private ServingCertificates() {}

  /** PEM-encoded CA certificate, serving certificate and serving key. */
  public record Issued(
      String caCertificate, String certificate, String privateKey, Instant notAfter) {}

  /** The DNS names the API server uses to reach a Service. */
  public static List<String> serviceDnsNames(String service, String namespace) {
    return List.of(
        service,
        service + "." + namespace,
        service + "." + namespace + ".svc",
        service + "." + namespace + ".svc.cluster.local");
  }

  public static Issued issue(List<String> dnsNames, Instant now, Duration validity) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      KeyPair caKey = generator.generateKeyPair();
      KeyPair serverKey = generator.generateKeyPair();
      X500Name caName = new X500Name("CN=egressgw webhook CA");
      Date from = Date.from(now.minus(Duration.ofMinutes(5)));
      Date to = Date.from(now.plus(validity));

      X509v3CertificateBuilder ca =
          new JcaX509v3CertificateBuilder(caName, serial(), from, to, caName, caKey.getPublic());
      ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      ca.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate caCert = sign(ca, caKey);

      X509v3CertificateBuilder server =
          new JcaX509v3CertificateBuilder(
              caName,
              serial(),
              from,
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
      X509Certificate serverCert = sign(server, caKey);

      // PKCS#8 ("PRIVATE KEY"): Vert.x, which serves it, cannot read the SEC1 form ("EC PRIVATE
      // KEY") that JcaPEMWriter writes for an EC key by default ("Invalid DER").
      return new Issued(
          pem(caCert),
          pem(serverCert),
          pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(serverKey.getPrivate(), null)),
          to.toInstant());
    } catch (Exception e) {
      throw new IllegalStateException("could not issue the webhook certificate", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
      throws Exception {
    ContentSigner signer =
        new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
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

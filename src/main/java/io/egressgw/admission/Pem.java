package io.egressgw.admission;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads PEM text holding one or more certificates or private keys, in order. */
public final class Pem {
  private Pem() {}

  /** The certificates of a PEM bundle, in order; none for empty text. */
  public static List<X509Certificate> certificates(String pem) {
    if (pem == null || pem.isBlank()) {
      return List.of();
    }
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate bundle", e);
    }
  }

  /** The private keys (PKCS#8 or SEC1) of PEM text, in order; none for empty text. */
  public static List<PrivateKey> privateKeys(String pem) {
    if (pem == null || pem.isBlank()) {
      return List.of();
    }
    List<PrivateKey> out = new ArrayList<>();
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          out.add(converter.getPrivateKey(info));
        } else if (o instanceof PEMKeyPair pair) {
          out.add(converter.getPrivateKey(pair.getPrivateKeyInfo()));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("not PEM private keys", e);
    }
  }

  /** The PEM text of each block of a bundle (certificates or keys), in order. */
  public static List<String> blocks(String pem) {
    List<String> out = new ArrayList<>();
    if (pem == null) {
      return out;
    }
    int from = 0;
    while (true) {
      int begin = pem.indexOf("-----BEGIN ", from);
      if (begin < 0) {
        return out;
      }
      int endMarker = pem.indexOf("-----END ", begin);
      int end = pem.indexOf("-----", endMarker + 9);
      if (endMarker < 0 || end < 0) {
        return out;
      }
      out.add(pem.substring(begin, end + 5) + "\n");
      from = end + 5;
    }
  }
}

package io.egressgw.controller;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-node agent tokens for embedded and lab mode: {@code <node>.<base64url HMAC-SHA256(secret,
 * node)>}. Any replica holding the secret verifies a token without state, and a token names the one
 * node it is valid for, so a token of node A presented for node B is told apart from garbage (403
 * versus 401).
 */
public final class NodeTokens {
  private final byte[] secret;

  public NodeTokens(byte[] secret) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("node token secret too short");
    }
    this.secret = secret.clone();
  }

  public String tokenFor(String node) {
    return node + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(node));
  }

  /** Checks {@code token} for {@code node}. */
  public AuthOutcome check(String node, String token) {
    if (token == null) {
      return AuthOutcome.UNAUTHENTICATED;
    }
    int dot = token.lastIndexOf('.');
    if (dot <= 0) {
      return AuthOutcome.UNAUTHENTICATED;
    }
    String claimed = token.substring(0, dot);
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return AuthOutcome.UNAUTHENTICATED;
    }
    if (!MessageDigest.isEqual(mac(claimed), presented)) {
      return AuthOutcome.UNAUTHENTICATED;
    }
    return claimed.equals(node) ? AuthOutcome.ALLOWED : AuthOutcome.FORBIDDEN;
  }

  private byte[] mac(String node) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(("egressgw-agent:" + node).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.egressgw.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Entity tags for editing: a tag follows what a client can change (spec, labels, annotations) and
 * not the status the controller writes, so that a form opened before a node went Up or Down still
 * saves, while an edit by anyone else makes it stale (412).
 *
 * <p>The tag is {@code "<metadata.generation>-<digest>"}: Kubernetes raises the generation on every
 * spec change (never on status or metadata writes), and the digest covers spec, labels and
 * annotations, which the generation does not. The resourceVersion is not the tag, since every
 * status write changes it; writes still carry it, so Kubernetes' own optimistic concurrency closes
 * the gap between comparing the tag and writing ({@link CustomResourceEndpoint}).
 *
 * <p>If-Match uses strong comparison (RFC 9110): a weak tag never matches; "*" matches any existing
 * object. If-None-Match uses weak comparison.
 */
public final class ETags {
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
  private static final int DIGEST_BYTES = 8;

  private ETags() {}

  /** The entity tag of an object, unquoted (JAX-RS quotes it). */
  public static String of(CustomResource<?, ?> object) {
    ObjectMeta meta = object.getMetadata();
    Map<String, Object> edited = new LinkedHashMap<>();
    edited.put("spec", object.getSpec());
    edited.put("labels", sorted(meta.getLabels()));
    edited.put("annotations", sorted(meta.getAnnotations()));
    Long generation = meta.getGeneration();
    return (generation == null ? "0" : generation.toString()) + "-" + digest(edited);
  }

  /** The entity tag of an object as a header value, quoted. */
  public static String quoted(CustomResource<?, ?> object) {
    return "\"" + of(object) + "\"";
  }

  /** Whether an If-Match header value matches the current (unquoted) tag. */
  public static boolean matches(String ifMatch, String tag) {
    for (String raw : ifMatch.split(",")) {
      String candidate = raw.trim();
      if (candidate.equals("*")) {
        return true;
      }
      if (candidate.startsWith("W/")) {
        continue;
      }
      if (opaque(candidate).equals(tag)) {
        return true;
      }
    }
    return false;
  }

  /** Whether an If-None-Match header value names the current (unquoted) tag: then 304. */
  public static boolean noneMatchHits(String ifNoneMatch, String tag) {
    for (String raw : ifNoneMatch.split(",")) {
      String candidate = raw.trim();
      if (candidate.equals("*")) {
        return true;
      }
      if (candidate.startsWith("W/")) {
        candidate = candidate.substring(2);
      }
      if (opaque(candidate).equals(tag)) {
        return true;
      }
    }
    return false;
  }

  /** The tag between the quotes, or "" for something that is no quoted tag. */
  private static String opaque(String candidate) {
    return candidate.length() >= 2 && candidate.startsWith("\"") && candidate.endsWith("\"")
        ? candidate.substring(1, candidate.length() - 1)
        : "";
  }

  private static Map<String, String> sorted(Map<String, String> map) {
    return map == null || map.isEmpty() ? Map.of() : new TreeMap<>(map);
  }

  private static String digest(Object value) {
    try {
      byte[] json = CANONICAL.writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(json);
      return HexFormat.of().formatHex(hash, 0, DIGEST_BYTES);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot compute the entity tag", e);
    }
  }
}

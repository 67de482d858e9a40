package io.egressgw.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Strict reading of request bodies (JSON, or YAML for kubectl-style files) into the model: unknown
 * fields, duplicate keys, YAML aliases, nesting deeper than Jackson's limit, trailing content and
 * scalar coercions ("floatingIPs": [1]) are refused with a 400 problem naming the field, instead of
 * being silently dropped or converted. Also the one writer of response bodies, so that output does
 * not depend on global Jackson settings.
 */
public final class StrictJson {
  private StrictJson() {}

  private static final ObjectMapper JSON = configure(JsonMapper.builder()).build();
  private static final ObjectMapper YAML = configure(YAMLMapper.builder()).build();

  private static <
          M extends ObjectMapper, B extends com.fasterxml.jackson.databind.cfg.MapperBuilder<M, B>>
      B configure(B builder) {
    builder
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .serializationInclusion(JsonInclude.Include.NON_NULL);
    builder.withCoercionConfig(
        LogicalType.Textual,
        c ->
            c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    return builder;
  }

  /** Whether a Content-Type names YAML (application/yaml, application/x-yaml, text/yaml). */
  public static boolean isYaml(String contentType) {
    if (contentType == null) {
      return false;
    }
    String ct = contentType.toLowerCase(Locale.ROOT);
    return ct.startsWith("application/yaml")
        || ct.startsWith("application/x-yaml")
        || ct.startsWith("text/yaml");
  }

  /** Parses a body into the model, or throws a 400 {@link ProblemException} naming the field. */
  public static <T extends HasMetadata> T read(
      byte[] body, boolean yaml, Class<T> type, String apiVersion, String kind) {
    if (body.length == 0) {
      throw ProblemException.of(
          400,
          "malformed-body",
          "Malformed request body",
          "the request body is empty",
          "body",
          "expected a " + type.getSimpleName() + " object");
    }
    T object;
    try {
      ObjectMapper mapper = yaml ? YAML : JSON;
      if (yaml) {
        refuseAliases(body);
      }
      JsonNode tree = mapper.readTree(body);
      if (tree == null || !tree.isObject()) {
        throw ProblemException.of(
            400,
            "malformed-body",
            "Malformed request body",
            "the body is not an object",
            "body",
            "expected a " + type.getSimpleName() + " object");
      }
      // CustomResource ignores apiVersion and kind when deserialising: check them on the tree.
      List<Problem.FieldError> wrong = new ArrayList<>();
      expect(tree, "apiVersion", apiVersion, wrong);
      expect(tree, "kind", kind, wrong);
      if (!wrong.isEmpty()) {
        throw new ProblemException(
            422, "invalid", "Invalid " + kind, "the body is not a " + kind, wrong);
      }
      object = mapper.treeToValue(tree, type);
    } catch (JsonProcessingException e) {
      throw toProblem(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (object == null) {
      throw ProblemException.of(
          400,
          "malformed-body",
          "Malformed request body",
          "the request body is null",
          "body",
          "expected a " + type.getSimpleName() + " object");
    }
    // fabric8's ObjectMeta keeps unknown keys in additionalProperties instead of failing.
    if (object.getMetadata() != null && !object.getMetadata().getAdditionalProperties().isEmpty()) {
      List<Problem.FieldError> errors = new ArrayList<>();
      for (String key : object.getMetadata().getAdditionalProperties().keySet()) {
        errors.add(new Problem.FieldError("metadata." + key, "unknown field '" + key + "'"));
      }
      throw new ProblemException(
          400,
          "unknown-field",
          "Unknown field",
          "the body has fields the API does not define",
          errors);
    }
    return object;
  }

  /**
   * Jackson's YAML parser does not expand an alias ({@code *name}): it reads it as the string
   * "name", so that a body with aliases would be stored other than the client wrote it. Kubernetes
   * objects never need them, and refusing them (400 naming the field) also rules out alias bombs.
   */
  private static void refuseAliases(byte[] body) throws IOException {
    try (JsonParser parser = YAML.createParser(body)) {
      while (parser.nextToken() != null) {
        if (parser instanceof YAMLParser y && y.isCurrentAlias()) {
          throw new JsonParseException(
              parser,
              "YAML alias '*"
                  + parser.getText()
                  + "' is not supported: write the value out instead of referring to an anchor");
        }
      }
    }
  }

  private static void expect(
      JsonNode tree, String field, String expected, List<Problem.FieldError> out) {
    JsonNode value = tree.get(field);
    if (value != null
        && !value.isNull()
        && !(value.isTextual() && value.asText().equals(expected))) {
      out.add(new Problem.FieldError(field, "must be " + expected + ", got " + value));
    }
  }

  /** Maps a Jackson error to a 400 problem with the JSON path of the offending field. */
  static ProblemException toProblem(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      String known =
          u.getKnownPropertyIds() == null
              ? ""
              : u.getKnownPropertyIds().stream()
                  .map(String::valueOf)
                  .sorted()
                  .collect(Collectors.joining(", "));
      return ProblemException.of(
          400,
          "unknown-field",
          "Unknown field",
          "the body has a field the API does not define",
          path(u),
          "unknown field '"
              + u.getPropertyName()
              + "'"
              + (known.isEmpty() ? "" : "; known fields here: " + known));
    }
    if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
      String target = m.getTargetType() == null ? "another type" : describe(m.getTargetType());
      return ProblemException.of(
          400,
          "malformed-body",
          "Malformed request body",
          "a field has the wrong JSON type",
          path(m),
          "wrong type: expected " + target);
    }
    JsonLocation where = e.getLocation();
    String at =
        where == null ? "" : "line " + where.getLineNr() + ", column " + where.getColumnNr() + ": ";
    String message =
        e.getOriginalMessage() == null
            ? ""
            : e.getOriginalMessage()
                .replaceAll("\\s*\\(start marker at \\[Source: [^]]*\\]\\)", "")
                .replaceAll("\\s*at \\[Source: [^]]*\\]", "");
    if (e instanceof JsonMappingException jm && !jm.getPath().isEmpty()) {
      return ProblemException.of(
          400,
          "malformed-body",
          "Malformed request body",
          "the body could not be read",
          path(jm),
          at + message);
    }
    String field = "body";
    if (e instanceof com.fasterxml.jackson.core.exc.StreamReadException sre
        && sre.getProcessor() != null
        && sre.getProcessor().getParsingContext() != null) {
      field = pointerToPath(sre.getProcessor().getParsingContext().pathAsPointer().toString());
    }
    return ProblemException.of(
        400,
        "malformed-body",
        "Malformed request body",
        "the request body is not well-formed JSON (or YAML with Content-Type application/yaml)",
        field,
        at + message);
  }

  private static String describe(Class<?> type) {
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    if (java.util.Map.class.isAssignableFrom(type)) {
      return "an object (map)";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
      return "a number";
    }
    return "an object (" + type.getSimpleName() + ")";
  }

  /** A JSON pointer (/spec/floatingIPs/1) as spec.floatingIPs[1]; "body" for the root. */
  static String pointerToPath(String pointer) {
    StringBuilder out = new StringBuilder();
    for (String token : pointer.split("/")) {
      if (token.isEmpty()) {
        continue;
      }
      String name = token.replace("~1", "/").replace("~0", "~");
      if (name.chars().allMatch(Character::isDigit)) {
        out.append('[').append(name).append(']');
      } else {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(name);
      }
    }
    return out.length() == 0 ? "body" : out.toString();
  }

  /** A Jackson reference path as spec.floatingIPs[1]. */
  static String path(JsonMappingException e) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.length() == 0 ? "body" : out.toString();
  }

  /**
   * A JSON merge patch body (RFC 7396): one JSON object, duplicate keys and trailing content
   * refused (400 naming where).
   */
  static ObjectNode readMergePatch(byte[] body) {
    JsonNode tree;
    try {
      tree = body.length == 0 ? null : JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw toProblem(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (tree == null || !tree.isObject()) {
      throw ProblemException.of(
          400,
          "malformed-body",
          "Malformed request body",
          "a merge patch is one JSON object",
          "body",
          "expected a JSON object");
    }
    return (ObjectNode) tree;
  }

  /** An object as a JSON tree, as it would be written. */
  static JsonNode tree(Object value) {
    return JSON.valueToTree(value);
  }

  /** A JSON tree as bytes, to read it back strictly with {@link #read}. */
  static byte[] bytes(JsonNode tree) {
    try {
      return JSON.writeValueAsBytes(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }

  /** Serialises a response body. */
  public static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass(), e);
    }
  }

  /**
   * Deep copy through JSON, for objects taken from the informer cache (which must not be mutated).
   */
  public static <T> T copy(T value, Class<T> type) {
    return JSON.convertValue(value, type);
  }
}

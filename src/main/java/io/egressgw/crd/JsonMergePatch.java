package io.egressgw.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON merge patch (RFC 7396): objects merge at every depth, anything else (arrays included)
 * replaces, and null removes. Used at build time on the CRD schemas ({@link
 * JsonMergePatchCustomizer}) and at run time on the REST API's PATCH.
 */
public final class JsonMergePatch {
  private JsonMergePatch() {}

  /** RFC 7396 section 2, MergePatch(Target, Patch); neither argument is modified. */
  public static JsonNode apply(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result =
        target != null && target.isObject()
            ? ((ObjectNode) target).deepCopy()
            : ((ObjectNode) patch).objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), apply(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }
}

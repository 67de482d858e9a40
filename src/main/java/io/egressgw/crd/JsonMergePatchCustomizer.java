package io.egressgw.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Applies a JSON merge patch (RFC 7396) to the schema the CRD generator made for a class, named in
 * {@code @SchemaCustomizer(value = JsonMergePatchCustomizer.class, input = "{...}")}.
 *
 * <p>Why not the generator's own MergePatchCustomizer: it updates the schema with Jackson's
 * readerForUpdating, which merges only the top level, so a patch that describes one nested property
 * ({@code {"properties": {"spec": {"description": ...}}}}) replaces every other property with it.
 * This one merges at every depth, as RFC 7396 says ({@link JsonMergePatch}).
 *
 * <p>Build-time only: the generator loads it while writing the CRDs; the running service never does
 * (its interface is in a provided-scope dependency).
 */
public class JsonMergePatchCustomizer implements SchemaCustomizer.Customizer {
  @Override
  public JSONSchemaProps apply(
      JSONSchemaProps schema, String patch, KubernetesSerialization serialization) {
    JsonNode target = serialization.convertValue(schema, JsonNode.class);
    JsonNode merged = merge(target, serialization.unmarshal(patch, JsonNode.class));
    return serialization.convertValue(merged, JSONSchemaProps.class);
  }

  /** RFC 7396 section 2, MergePatch(Target, Patch). */
  static JsonNode merge(JsonNode target, JsonNode patch) {
    return JsonMergePatch.apply(target, patch);
  }
}

package io.egressgw.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The merge patch the CRD schemas are customised with merges at every depth (RFC 7396). */
class JsonMergePatchCustomizerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Rows of RFC 7396 Appendix A, with a description per row.
        "replaces a value     | {'a':'b'}         | {'a':'c'}          | {'a':'c'}",
        "adds a member        | {'a':'b'}         | {'b':'c'}          | {'a':'b','b':'c'}",
        "null removes         | {'a':'b'}         | {'a':null}         | {}",
        "keeps the others     | {'a':'b','b':'c'} | {'a':null}         | {'b':'c'}",
        "arrays replace       | {'a':['b']}       | {'a':'c'}          | {'a':'c'}",
        "objects merge deep   | {'a':{'b':'c'}}   | {'a':{'b':'d','c':null}} | {'a':{'b':'d'}}",
        "array replaced whole | {'a':[{'b':'c'}]} | {'a':[1]}          | {'a':[1]}",
        "a non-object patch wins | {'a':'foo'}    | ['bar']            | ['bar']",
        "creates objects      | {}                | {'a':{'bb':{'ccc':null}}} | {'a':{'bb':{}}}"
      })
  void mergesAsRfc7396Says(String desc, String target, String patch, String expected)
      throws Exception {
    JsonNode merged = JsonMergePatchCustomizer.merge(json(target), json(patch));

    assertThat(merged).isEqualTo(json(expected));
  }

  @Test
  void describingOneNestedPropertyKeepsItsSiblings() {
    JSONSchemaProps schema =
        new JSONSchemaPropsBuilder()
            .withType("object")
            .addToProperties("spec", new JSONSchemaPropsBuilder().withType("object").build())
            .addToProperties("status", new JSONSchemaPropsBuilder().withType("object").build())
            .build();

    JSONSchemaProps patched =
        new JsonMergePatchCustomizer()
            .apply(
                schema,
                "{\"properties\": {\"spec\": {\"description\": \"what users write\"}}}",
                new KubernetesSerialization());

    assertThat(patched.getProperties()).containsOnlyKeys("spec", "status");
    assertThat(patched.getProperties().get("spec").getDescription()).isEqualTo("what users write");
    assertThat(patched.getProperties().get("spec").getType()).isEqualTo("object");
  }

  private static JsonNode json(String singleQuoted) throws Exception {
    return JSON.readTree(singleQuoted.replace('\'', '"'));
  }
}

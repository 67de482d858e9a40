package io.egressgw.security;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Makes the application's ObjectMapper, which reads the agent channel's bodies and the admission
 * webhook's AdmissionReviews, refuse a key that appears twice in one object. Jackson otherwise
 * keeps the last value, so that two readers of the same body (a proxy that checks the first "uid"
 * or "node", this service that uses the last) can disagree about what it says (issue 15). Such a
 * body is now answered 400. The REST API's bodies are read by {@link io.egressgw.rest.StrictJson},
 * which refuses duplicates too.
 */
@Singleton
public class DuplicateKeysRefused implements ObjectMapperCustomizer {
  @Override
  public void customize(ObjectMapper mapper) {
    mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
  }
}

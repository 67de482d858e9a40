package io.egressgw.admission;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.NetworkGatewayGroup;
import io.egressgw.validation.GatewayGroupInUse;
import io.egressgw.validation.GatewayGroupLookup;
import io.egressgw.validation.ResourceAdmission;
import io.egressgw.validation.Verdict;
import io.egressgw.validation.Violation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Answers a Kubernetes AdmissionReview for our two kinds with exactly the rules of the REST API
 * ({@link ResourceAdmission}), so that `kubectl apply` of a bad object fails with the same
 * messages. Deleting a gateway group that policies reference is denied ({@link GatewayGroupInUse});
 * other deletes and other kinds are allowed: the webhook only guards what it understands.
 */
public final class AdmissionReviewer {
  /** Unknown fields are an error here too, as in the REST API. */
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The stored object of a delete: whatever the API server stored, no schema check. */
  private static final ObjectMapper LENIENT =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private AdmissionReviewer() {}

  public static AdmissionReview review(AdmissionReview review, GatewayGroupLookup lookup) {
    AdmissionRequest request = review.getRequest();
    AdmissionResponse response = respond(request, lookup);
    return new AdmissionReviewBuilder()
        .withApiVersion("admission.k8s.io/v1")
        .withKind("AdmissionReview")
        .withResponse(response)
        .build();
  }

  static AdmissionResponse respond(AdmissionRequest request, GatewayGroupLookup lookup) {
    String operation = request.getOperation();
    String kind = request.getKind() == null ? "" : request.getKind().getKind();
    if ("DELETE".equals(operation) && NetworkGatewayGroup.KIND.equals(kind)) {
      return deletion(request, lookup);
    }
    if (!"CREATE".equals(operation) && !"UPDATE".equals(operation)) {
      return allowed(request);
    }
    Verdict verdict;
    try {
      verdict =
          switch (kind) {
            case NetworkGatewayGroup.KIND ->
                ResourceAdmission.admit(
                    STRICT.convertValue(request.getObject(), NetworkGatewayGroup.class), lookup);
            case EgressNATPolicy.KIND ->
                ResourceAdmission.admit(
                    STRICT.convertValue(request.getObject(), EgressNATPolicy.class), lookup);
            default -> Verdict.allowed();
          };
    } catch (IllegalArgumentException e) {
      return denied(
          request,
          400,
          "the object does not match the "
              + kind
              + " schema: "
              + e.getMessage().lines().findFirst().orElse(""));
    }
    if (verdict.isAllowed()) {
      return allowed(request);
    }
    int code = verdict.outcome() == Verdict.Outcome.CONFLICT ? 409 : 422;
    String message =
        verdict.violations().stream()
            .map(AdmissionReviewer::describe)
            .collect(Collectors.joining("; "));
    return denied(request, code, kind + " " + request.getName() + " is invalid: " + message);
  }

  /**
   * A gateway group that policies reference is not deleted unless it carries the annotation {@value
   * GatewayGroupInUse#ALLOW_DELETE}: "true" (the API server sends the stored object as oldObject).
   */
  private static AdmissionResponse deletion(AdmissionRequest request, GatewayGroupLookup lookup) {
    NetworkGatewayGroup group;
    if (request.getOldObject() != null) {
      group = LENIENT.convertValue(request.getOldObject(), NetworkGatewayGroup.class);
    } else {
      group = new NetworkGatewayGroup();
      group.setMetadata(
          new ObjectMetaBuilder()
              .withNamespace(request.getNamespace())
              .withName(request.getName())
              .build());
    }
    Verdict verdict = GatewayGroupInUse.deletion(group, lookup.policies(), false);
    if (verdict.isAllowed()) {
      return allowed(request);
    }
    List<String> policies = GatewayGroupInUse.referencing(group, lookup.policies());
    return denied(
        request,
        409,
        "NetworkGatewayGroup "
            + group.getMetadata().getNamespace()
            + "/"
            + group.getMetadata().getName()
            + " is referenced by EgressNATPolicies "
            + String.join(", ", policies)
            + ": change or delete them first, or annotate the group "
            + GatewayGroupInUse.ALLOW_DELETE
            + "=true to delete it anyway");
  }

  private static String describe(Violation v) {
    return v.field() + ": " + v.message();
  }

  private static AdmissionResponse allowed(AdmissionRequest request) {
    return new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true).build();
  }

  private static AdmissionResponse denied(AdmissionRequest request, int code, String message) {
    return new AdmissionResponseBuilder()
        .withUid(request.getUid())
        .withAllowed(false)
        .withStatus(
            new StatusBuilder()
                .withCode(code)
                .withMessage(message)
                .withReason(code == 409 ? "Conflict" : "Invalid")
                .build())
        .build();
  }
}

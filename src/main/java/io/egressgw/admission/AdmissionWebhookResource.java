package io.egressgw.admission;

import io.egressgw.validation.GatewayGroupLookup;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The ValidatingWebhookConfiguration's endpoint (k8s/webhook.yaml): the API server posts an
 * AdmissionReview for every create and update of our kinds, and every delete of a gateway group.
 */
@Path("/admission/validate")
public class AdmissionWebhookResource {
  @Inject GatewayGroupLookup lookup;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public AdmissionReview validate(AdmissionReview review) {
    return AdmissionReviewer.review(review, lookup);
  }
}

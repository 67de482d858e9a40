package io.egressgw.validation;

import io.egressgw.api.v1.EgressNATPolicy;
import io.egressgw.api.v1.GatewayRef;
import io.egressgw.api.v1.NetworkGatewayGroup;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Referential integrity on delete: a gateway group that policies reference is not deleted, because
 * those policies would silently stop (Accepted=False) and their pods would leave with their nodes'
 * addresses. The caller may override it explicitly: the annotation {@value #ALLOW_DELETE} = "true"
 * on the group (the webhook's override; the REST API sets it for {@code ?force=true}).
 *
 * <p>The check and the delete are not atomic: a policy created in between still refers to a missing
 * group, which the controller reports as Accepted=False, as before.
 */
public final class GatewayGroupInUse {
  /** Set to "true" on a gateway group to allow deleting it although policies reference it. */
  public static final String ALLOW_DELETE = "egressgw.io/allow-delete-in-use";

  private GatewayGroupInUse() {}

  /**
   * Whether {@code group} may be deleted: {@link Verdict.Outcome#CONFLICT} with one violation per
   * referencing policy, unless {@code force} or the group's {@value #ALLOW_DELETE} annotation.
   */
  public static Verdict deletion(
      NetworkGatewayGroup group, Collection<EgressNATPolicy> policies, boolean force) {
    if (force || overridden(group)) {
      return Verdict.allowed();
    }
    return Verdict.conflict(
        referencing(group, policies).stream()
            .map(
                name ->
                    new Violation(
                        "metadata.name",
                        "EgressNATPolicy "
                            + name
                            + " references this gateway group in spec.gatewayRef: change or"
                            + " delete the policy first, or delete with force"))
            .toList());
  }

  /** The names of the policies whose gatewayRef names {@code group}, in name order. */
  public static List<String> referencing(
      NetworkGatewayGroup group, Collection<EgressNATPolicy> policies) {
    String namespace = group.getMetadata().getNamespace();
    String name = group.getMetadata().getName();
    return policies.stream()
        .filter(
            p -> {
              GatewayRef ref = p.getSpec() == null ? null : p.getSpec().getGatewayRef();
              return ref != null
                  && Objects.equals(ref.getNamespace(), namespace)
                  && Objects.equals(ref.getName(), name);
            })
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  private static boolean overridden(NetworkGatewayGroup group) {
    Map<String, String> annotations = group.getMetadata().getAnnotations();
    return annotations != null && "true".equals(annotations.get(ALLOW_DELETE));
  }
}

package io.egressgw.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** fieldSelector on metadata.name and metadata.namespace, in Kubernetes' syntax. */
class FieldSelectorQueryTest {
  private static final ObjectMeta GW_IN_A =
      new ObjectMetaBuilder().withNamespace("a").withName("gw").build();
  private static final ObjectMeta CLUSTER_SCOPED =
      new ObjectMetaBuilder().withName("egress").build();

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "name equal                 | metadata.name=gw                          | true  | false",
        "name double equal          | metadata.name==gw                         | true  | false",
        "name not equal             | metadata.name!=gw                         | false | true",
        "namespace                  | metadata.namespace=a                      | true  | false",
        "namespace not equal        | metadata.namespace!=a                     | false | true",
        "cluster-scoped: namespace empty | metadata.namespace=                  | false | true",
        "both must hold             | 'metadata.namespace=a,metadata.name=gw'   | true  | false",
        "one fails                  | 'metadata.namespace=a,metadata.name=x'    | false | false",
        "spaces around              | ' metadata.name = gw '                    | true  | false",
      })
  void requirementsOnNameAndNamespace(
      String desc, String selector, boolean gwInA, boolean clusterScoped) {
    FieldSelectorQuery query = FieldSelectorQuery.parse(selector);

    assertThat(query.test(GW_IN_A)).isEqualTo(gwInA);
    assertThat(query.test(CLUSTER_SCOPED)).isEqualTo(clusterScoped);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a field Kubernetes does not index | spec.floatingIPs=1",
        "no operator                       | metadata.name",
        "two operators                     | metadata.name=a=b",
        "an empty requirement              | 'metadata.name=gw,'",
        "set syntax is labels only         | metadata.name in (a)",
      })
  void aSelectorThatDoesNotParseIs400NamingIt(String desc, String selector) {
    assertThatThrownBy(() -> FieldSelectorQuery.parse(selector))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.toProblem("/").errors())
                  .extracting(Problem.FieldError::field)
                  .containsExactly("fieldSelector");
            });
  }
}

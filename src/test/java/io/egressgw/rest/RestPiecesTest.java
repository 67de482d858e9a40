package io.egressgw.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressgw.api.v1.NetworkGatewayGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ETag matching, list paging and strict body reading, without a server. */
class RestPiecesTest {

  @ParameterizedTest(name = "If-Match {0} vs tag {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"7\"            | 7 | true",
        "\"6\"            | 7 | false",
        "W/\"7\"          | 7 | false",
        "*                | 7 | true",
        "\"5\", \"7\"     | 7 | true",
        "7                | 7 | false",
      })
  void ifMatchUsesStrongComparison(String header, String tag, boolean matches) {
    assertThat(ETags.matches(header, tag)).isEqualTo(matches);
  }

  @Test
  void pagesWalkEveryItemOnceInKeyOrder() {
    List<String> items = new ArrayList<>(List.of("ns/e", "ns/a", "ns/d", "ns/b", "ns/c"));
    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      ListPage<String> page = ListPage.of(items, Function.identity(), 2, token, 500);
      seen.addAll(page.items());
      token = page.continueToken();
      pages++;
    } while (token != null);

    assertThat(seen).containsExactly("ns/a", "ns/b", "ns/c", "ns/d", "ns/e");
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void anItemDeletedBetweenPagesIsNotRepeatedNorDoesItShiftTheNextPage() {
    List<String> items = new ArrayList<>(List.of("a", "b", "c", "d"));
    ListPage<String> first = ListPage.of(items, Function.identity(), 2, null, 500);
    items.remove("a");

    ListPage<String> second =
        ListPage.of(items, Function.identity(), 2, first.continueToken(), 500);

    assertThat(first.items()).containsExactly("a", "b");
    assertThat(first.remainingItemCount()).isEqualTo(2);
    assertThat(second.items()).containsExactly("c", "d");
    assertThat(second.continueToken()).isNull();
  }

  @ParameterizedTest(name = "limit={0}")
  @CsvSource({"abc", "1.5", "0x10", "' '", "99999999999"})
  void aLimitThatIsNotAWholeNumberIs400NamingIt(String limit) {
    assertThatThrownBy(() -> ListPage.limit(limit, 500))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.toProblem("/").errors())
                  .extracting(Problem.FieldError::field)
                  .containsExactly("limit");
            });
  }

  @Test
  void badLimitAndContinueAre400() {
    assertThatThrownBy(() -> ListPage.of(List.of("a"), Function.identity(), 0, null, 500))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> ListPage.of(List.of("a"), Function.identity(), 501, null, 500))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> ListPage.of(List.of("a"), Function.identity(), 1, "%%%", 500))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e ->
                assertThat(e.toProblem("/").errors())
                    .extracting(Problem.FieldError::field)
                    .containsExactly("continue"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown spec field        | {\"metadata\":{\"name\":\"a\"},\"spec\":{\"floatingIP\":[]}}  "
            + "            | 400 | spec.floatingIP",
        "unknown nested field      | {\"metadata\":{\"name\":\"a\",\"labelz\":{}},\"spec\":{}}     "
            + "         | 400 | metadata.labelz",
        "number where string       | {\"metadata\":{\"name\":\"a\"},\"spec\":{\"floatingIPs\":[1]}}"
            + "           | 400 | spec.floatingIPs[0]",
        "string where array        |"
            + " {\"metadata\":{\"name\":\"a\"},\"spec\":{\"floatingIPs\":\"1.2.3.4\"}}   | 400 |"
            + " spec.floatingIPs",
        "duplicate key             | {\"metadata\":{\"name\":\"a\",\"name\":\"b\"}}                "
            + "           | 400 | metadata.name",
        "trailing garbage          | {\"metadata\":{\"name\":\"a\"}} x                             "
            + "           | 400 | body",
        "not an object             | [1,2]                                                         "
            + "         | 400 | body",
        "truncated                 | {\"metadata\":                                                "
            + "          | 400 | metadata",
        "wrong kind                | {\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}              "
            + "           | 422 | kind",
        "wrong apiVersion          | {\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}}         "
            + "          | 422 | apiVersion",
      })
  void strictReadingNamesTheField(String desc, String json, int status, String field) {
    assertThatThrownBy(
            () ->
                StrictJson.read(
                    json.getBytes(StandardCharsets.UTF_8),
                    false,
                    NetworkGatewayGroup.class,
                    NetworkGatewayGroup.API_VERSION,
                    NetworkGatewayGroup.KIND))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.toProblem("/").errors())
                  .extracting(Problem.FieldError::field)
                  .contains(field);
            });
  }

  @Test
  void aValidBodyReadsWithDefaultsForApiVersionAndKind() {
    String json = "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"floatingIPs\":[\"192.168.1.100\"]}}";

    NetworkGatewayGroup g =
        StrictJson.read(
            json.getBytes(StandardCharsets.UTF_8),
            false,
            NetworkGatewayGroup.class,
            NetworkGatewayGroup.API_VERSION,
            NetworkGatewayGroup.KIND);

    assertThat(g.getApiVersion()).isEqualTo("networking.gke.io/v1");
    assertThat(g.getKind()).isEqualTo("NetworkGatewayGroup");
    assertThat(g.getSpec().getFloatingIPs()).containsExactly("192.168.1.100");
  }
}

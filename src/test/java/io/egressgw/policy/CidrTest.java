package io.egressgw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Destination prefixes: parsing to a canonical value, and the order programs list them in. */
class CidrTest {

  record Row(String desc, String text, String canonical) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("a canonical prefix stays as it is", "8.8.8.0/24", "8.8.8.0/24"),
        new Row("host bits are cleared", "8.8.8.8/24", "8.8.8.0/24"),
        new Row("a bare address is a /32", "1.1.1.1", "1.1.1.1/32"),
        new Row("/0 keeps no network bits", "10.1.2.3/0", "0.0.0.0/0"),
        new Row("the top bit survives (network compared unsigned)", "200.1.2.3/8", "200.0.0.0/8"),
        new Row("a length over 32 is not a prefix", "1.1.1.1/33", null),
        new Row("text is not a prefix", "bogus", null));
  }

  @ParameterizedTest
  @MethodSource("rows")
  void parsesToTheCanonicalPrefix(Row row) {
    Cidr cidr = Cidr.parse(row.text());

    if (row.canonical() == null) {
      assertNull(cidr);
    } else {
      assertEquals(row.canonical(), cidr.toString());
    }
  }

  @Test
  void twoSpellingsOfOnePrefixAreEqual() {
    assertEquals(Cidr.parse("8.8.8.0/24"), Cidr.parse("8.8.8.77/24"));
  }

  @Test
  void orderIsByUnsignedNetworkThenShorterFirst() {
    List<Cidr> prefixes = new ArrayList<>();
    for (String text :
        List.of("200.0.0.0/8", "10.0.0.0/16", "127.255.255.255", "10.0.0.0/8", "128.0.0.0/1")) {
      prefixes.add(Cidr.parse(text));
    }

    prefixes.sort(Cidr.ORDER);

    assertEquals(
        List.of("10.0.0.0/8", "10.0.0.0/16", "127.255.255.255/32", "128.0.0.0/1", "200.0.0.0/8"),
        prefixes.stream().map(Cidr::toString).toList());
  }
}

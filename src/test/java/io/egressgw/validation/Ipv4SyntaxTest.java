package io.egressgw.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressgw.net.Ipv4;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Ipv4SyntaxTest {

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "plain network        | 203.0.113.0/24  | ",
        "whole space          | 0.0.0.0/0       | ",
        "one host             | 198.51.100.7/32 | ",
        "host bits            | 10.1.2.3/8      | network address is 10.0.0.0/8",
        "host bits at /31     | 10.0.0.1/31     | network address is 10.0.0.0/31",
        "prefix 33            | 10.0.0.0/33     | over 32",
        "prefix 100           | 10.0.0.0/100    | over 32",
        "negative prefix      | 10.0.0.0/-1     | prefix length",
        "leading zero prefix  | 10.0.0.0/08     | prefix length",
        "empty prefix         | 10.0.0.0/       | prefix length",
        "three octets         | 10.0.0/8        | IPv4 address",
        "IPv6                 | fd00::/8        | IPv4-only",
      })
  void cidrProblems(String desc, String cidr, String expected) {
    var problem = Ipv4Syntax.cidrProblem(cidr);
    if (expected == null) {
      assertThat(problem).isEmpty();
    } else {
      assertThat(problem).get().asString().contains(expected);
    }
  }

  @Property
  void everyAddressRoundTripsThroughDottedQuad(
      @ForAll @LongRange(min = 0, max = 0xffffffffL) long value) {
    assertThat(Ipv4Syntax.parseStrict(Ipv4.format((int) value))).contains(value);
  }

  @Property
  void theNetworkOfAnyAddressAndPrefixIsAValidCidr(
      @ForAll @LongRange(min = 0, max = 0xffffffffL) long value,
      @ForAll @IntRange(min = 0, max = 32) int prefix) {
    long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    assertThat(Ipv4Syntax.cidrProblem(Ipv4.format((int) (value & mask)) + "/" + prefix)).isEmpty();
  }
}

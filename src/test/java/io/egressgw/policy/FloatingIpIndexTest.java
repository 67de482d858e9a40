package io.egressgw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which floating IPs a node holds, and the order its program lists them in. */
class FloatingIpIndexTest {

  @Test
  void addressesAreListedNumericallyThenInvalidTextsByText() {
    FloatingIpIndex index = new FloatingIpIndex();

    for (String ip : List.of("BB", "192.168.1.100", "Aa", "10.0.0.2", "9.0.0.1")) {
      index.assign(ip, "n1");
    }

    // "Aa" and "BB" have the same hashCode: both must still be listed.
    assertEquals(List.of("9.0.0.1", "10.0.0.2", "192.168.1.100", "Aa", "BB"), index.heldBy("n1"));
  }

  @Test
  void twoSpellingsOfOneAddressAreBothKept() {
    FloatingIpIndex index = new FloatingIpIndex();

    index.assign("10.0.0.1", "n1");
    index.assign("010.0.0.1", "n1");

    assertEquals(List.of("010.0.0.1", "10.0.0.1"), index.heldBy("n1"));
  }

  @Test
  void movingAnIpTakesItFromItsHolder() {
    FloatingIpIndex index = new FloatingIpIndex();
    index.assign("Aa", "n1");
    index.assign("BB", "n1");

    index.assign("Aa", "n2");
    index.assign("BB", null);

    assertEquals(List.of(), index.heldBy("n1"));
    assertEquals(List.of("Aa"), index.heldBy("n2"));
    assertNull(index.nodeOf("BB"));
  }
}

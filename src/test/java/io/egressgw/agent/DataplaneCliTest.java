package io.egressgw.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.egressgw.dataplane.DataplaneObject;
import org.junit.jupiter.api.Test;

class DataplaneCliTest {
  @Test
  void capacitiesNotGivenKeepTheirDefaults() {
    DataplaneObject.Capacities d = DataplaneObject.Capacities.defaults();

    assertEquals(d, DataplaneCli.capacities(null));
    assertEquals(
        new DataplaneObject.Capacities(4, 2, d.egresses(), d.guard(), 16),
        DataplaneCli.capacities("sources=4, routes=2,excluded=16"));
  }

  @Test
  void anUnknownCapacityIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> DataplaneCli.capacities("counters=4"));
    assertThrows(IllegalArgumentException.class, () -> DataplaneCli.capacities("sources"));
  }
}

package io.egressgw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Egress ids: a seeded id is kept when it is valid and free, else the lowest free id is taken. */
class EgressIdAllocatorTest {

  record Row(
      String desc, Map<String, Integer> seed, List<String> policies, Map<String, Integer> ids) {
    @Override
    public String toString() {
      return desc;
    }
  }

  static Map<String, Integer> seed(Object... nameThenId) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < nameThenId.length; i += 2) {
      m.put((String) nameThenId[i], (Integer) nameThenId[i + 1]);
    }
    return m;
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("no seed: lowest ids in order", seed(), List.of("a", "b"), Map.of("a", 1, "b", 2)),
        new Row("a seeded id is kept", seed("b", 7), List.of("a", "b"), Map.of("a", 1, "b", 7)),
        new Row(
            "seeded ids are taken before new policies get the lowest ids",
            seed("b", 1),
            List.of("a", "b"),
            Map.of("a", 2, "b", 1)),
        new Row("id 0 is not an id", seed("a", 0), List.of("a"), Map.of("a", 1)),
        new Row("an id over 65535 is not an id", seed("a", 65536), List.of("a"), Map.of("a", 1)),
        new Row("a null seed is no seed", seed("a", null), List.of("a"), Map.of("a", 1)),
        new Row(
            "an id seeded twice goes to the first policy",
            seed("a", 3, "b", 3),
            List.of("a", "b"),
            Map.of("a", 3, "b", 1)));
  }

  @ParameterizedTest
  @MethodSource("rows")
  void theFullCompileKeepsValidFreeSeedsAndFillsTheLowestIds(Row row) {
    EgressIdAllocator allocator = new EgressIdAllocator(row.seed());

    assertEquals(row.ids(), allocator.allocateAll(row.policies()));
  }

  @Test
  void aPolicyAppearingLaterGetsItsSeedWhenFreeElseTheLowestFreeId() {
    EgressIdAllocator allocator = new EgressIdAllocator(seed("old", 2, "late", 2));

    assertEquals(1, allocator.allocate("new"));
    assertEquals(2, allocator.allocate("old"));
    assertEquals(3, allocator.allocate("late"), "its seed is taken");
    allocator.release(1);
    assertEquals(1, allocator.allocate("newer"), "a released id is free again");
  }
}

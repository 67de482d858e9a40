package io.egressgw.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link PersistentMap} against {@link HashMap} as the model: after every put and remove it holds
 * the same entries, and every earlier version still holds what it held (nothing is changed in
 * place). Keys with chosen hash codes force full collisions and branches down to the last level.
 */
class PersistentMapTest {
  /** A key whose hash code is chosen: equal hashes collide, near ones share trie levels. */
  record Key(int hash, int id) {
    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Put (value != null) or remove (value == null). */
  record Op(Key key, Integer value) {}

  static final List<Integer> HASHES =
      List.of(0, 1, 32, 1 << 10, 1 << 25, 1 << 30, 1 << 31, 0x8000_0001, -1, 0x7fff_ffff, 33);

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Key> keys =
        Combinators.combine(Arbitraries.of(HASHES), Arbitraries.integers().between(0, 3))
            .as(Key::new);
    Arbitrary<Integer> values =
        Arbitraries.integers().between(0, 3).injectNull(0.4); // null: remove the key
    return Combinators.combine(keys, values).as(Op::new).list().ofMaxSize(60);
  }

  @Property(tries = 400)
  void everyVersionHoldsWhatAHashMapWouldAndNoEarlierVersionChanges(@ForAll("ops") List<Op> ops) {
    PersistentMap<Key, Integer> map = PersistentMap.empty();
    Map<Key, Integer> model = new HashMap<>();
    List<PersistentMap<Key, Integer>> versions = new ArrayList<>();
    List<Map<Key, Integer>> models = new ArrayList<>();
    for (Op op : ops) {
      if (op.value() == null) {
        map = map.without(op.key());
        model.remove(op.key());
      } else {
        map = map.with(op.key(), op.value());
        model.put(op.key(), op.value());
      }
      versions.add(map);
      models.add(new HashMap<>(model));
      assertHolds(map, model);
      assertHolds(PersistentMap.copyOf(model), model);
      if (versions.size() % 7 == 0) { // go on from a trie built in bulk
        map = PersistentMap.copyOf(new HashMap<>(model));
      }
    }
    for (int i = 0; i < versions.size(); i++) {
      assertHolds(versions.get(i), models.get(i));
    }
  }

  static void assertHolds(PersistentMap<Key, Integer> map, Map<Key, Integer> model) {
    assertEquals(model.size(), map.size());
    assertEquals(model, map, "equals, model first");
    assertEquals(map, model, "equals, persistent first");
    assertEquals(model.hashCode(), map.hashCode());
    assertEquals(model, new HashMap<>(map), "iteration yields every entry once");
    Map<Key, Integer> walked = new HashMap<>();
    map.forEach(walked::put);
    assertEquals(model, walked, "forEach");
    for (int h : HASHES) {
      for (int id = 0; id <= 3; id++) {
        Key k = new Key(h, id);
        assertEquals(model.get(k), map.get(k), k::toString);
        assertEquals(model.containsKey(k), map.containsKey(k), k::toString);
      }
    }
  }

  @Test
  void aChangeThatChangesNothingReturnsTheSameMap() {
    PersistentMap<String, Integer> map = PersistentMap.<String, Integer>empty().with("a", 1);

    assertSame(map, map.with("a", 1), "same value");
    assertSame(map, map.without("b"), "absent key");
    assertSame(map, map.without(null), "null key");
    assertSame(map, PersistentMap.copyOf(map), "copyOf a PersistentMap");
  }

  @Test
  void withChangesRemovesFirstThenSetsAsAProgramDeltaDoes() {
    PersistentMap<String, Integer> map = PersistentMap.copyOf(Map.of("a", 1, "b", 2));

    PersistentMap<String, Integer> next =
        map.withChanges(Map.of("a", 3, "c", 4), List.of("a", "b"));

    assertThat(next).containsExactlyInAnyOrderEntriesOf(Map.of("a", 3, "c", 4));
    assertThat(map).containsExactlyInAnyOrderEntriesOf(Map.of("a", 1, "b", 2));
  }

  @Test
  void nullKeysAndValuesAreRefusedAndTheEntriesAreReadOnly() {
    PersistentMap<String, Integer> map = PersistentMap.<String, Integer>empty().with("a", 1);

    assertThrows(NullPointerException.class, () -> map.with(null, 1));
    assertThrows(NullPointerException.class, () -> map.with("a", null));
    assertThrows(UnsupportedOperationException.class, () -> map.put("b", 2));
    assertThrows(
        UnsupportedOperationException.class, () -> map.entrySet().iterator().next().setValue(2));
  }
}

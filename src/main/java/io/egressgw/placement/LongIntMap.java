package io.egressgw.placement;

import java.util.Arrays;

/**
 * Open-addressing map from long keys to non-negative ints, without boxing: the subnet index is
 * probed once per prefix length per floating IP on every placement decision. Keys are never removed
 * (an emptied subnet keeps its slot), which keeps probing simple.
 */
final class LongIntMap {
  private long[] keys;
  private int[] values;
  private int size;

  LongIntMap(int expected) {
    int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
    keys = new long[cap];
    values = new int[cap];
    Arrays.fill(values, -1);
  }

  /** The value for {@code key}, or -1. */
  int get(long key) {
    int m = keys.length - 1;
    int i = mix(key) & m;
    while (values[i] >= 0) {
      if (keys[i] == key) {
        return values[i];
      }
      i = (i + 1) & m;
    }
    return -1;
  }

  void put(long key, int value) {
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    int m = keys.length - 1;
    int i = mix(key) & m;
    while (values[i] >= 0) {
      if (keys[i] == key) {
        values[i] = value;
        return;
      }
      i = (i + 1) & m;
    }
    keys[i] = key;
    values[i] = value;
    size++;
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new int[oldKeys.length * 2];
    Arrays.fill(values, -1);
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldValues[i] >= 0) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }
}

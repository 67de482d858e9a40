package io.egressgw.program;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An immutable hash map whose {@link #with}, {@link #without} and {@link #withChanges} return a new
 * map that shares all but the changed paths with this one (a hash array mapped trie: 32-way
 * branches, about four levels at 64,000 entries). For the agent's program sources: a one-pod {@link
 * ProgramDelta} then makes the next program in time proportional to the change, where a copy of the
 * map costs time proportional to every pod of the node, and the previous program stays intact (the
 * agent keeps it until the new one is applied). Null keys and values are refused.
 */
public final class PersistentMap<K, V> extends AbstractMap<K, V> {
  private static final int BITS = 5;
  private static final Branch EMPTY_ROOT = new Branch(0, new Object[0]);
  private static final PersistentMap<?, ?> EMPTY = new PersistentMap<>(EMPTY_ROOT, 0);

  private final Branch root;
  private final int size;
  private Set<Map.Entry<K, V>> entries;

  private PersistentMap(Branch root, int size) {
    this.root = root;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  public static <K, V> PersistentMap<K, V> empty() {
    return (PersistentMap<K, V>) EMPTY;
  }

  /** {@code map} itself when it is a PersistentMap, else a PersistentMap of its entries. */
  @SuppressWarnings("unchecked")
  public static <K, V> PersistentMap<K, V> copyOf(Map<? extends K, ? extends V> map) {
    if (map instanceof PersistentMap<?, ?> p) {
      return (PersistentMap<K, V>) p;
    }
    // built bottom-up, each node once: a put per entry would copy its path every time
    List<Leaf> leaves = new ArrayList<>(map.size());
    for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
      K key = Objects.requireNonNull(e.getKey());
      leaves.add(new Leaf(hash(key), key, Objects.requireNonNull(e.getValue())));
    }
    return leaves.isEmpty() ? empty() : new PersistentMap<>(branch(leaves, 0), leaves.size());
  }

  /** The branch at level {@code shift} over {@code leaves} (distinct keys). */
  private static Branch branch(List<Leaf> leaves, int shift) {
    Object[] buckets = new Object[32];
    int bitmap = 0;
    for (Leaf l : leaves) {
      int i = (l.hash >>> shift) & 31;
      if (buckets[i] == null) {
        buckets[i] = new ArrayList<Leaf>();
      }
      @SuppressWarnings("unchecked")
      List<Leaf> bucket = (List<Leaf>) buckets[i];
      bucket.add(l);
      bitmap |= 1 << i;
    }
    Object[] slots = new Object[Integer.bitCount(bitmap)];
    int k = 0;
    for (Object b : buckets) {
      if (b != null) {
        @SuppressWarnings("unchecked")
        List<Leaf> bucket = (List<Leaf>) b;
        slots[k++] = node(bucket, shift + BITS);
      }
    }
    return new Branch(bitmap, slots);
  }

  /** A leaf, a collision (every hash equal) or a branch at level {@code shift} over leaves. */
  private static Object node(List<Leaf> leaves, int shift) {
    if (leaves.size() == 1) {
      return leaves.get(0);
    }
    int hash = leaves.get(0).hash;
    for (Leaf l : leaves) {
      if (l.hash != hash) {
        return branch(leaves, shift);
      }
    }
    return new Collision(hash, leaves.toArray());
  }

  /** This map with {@code key} mapped to {@code value}; this map itself when it already was. */
  public PersistentMap<K, V> with(K key, V value) {
    Leaf leaf = new Leaf(hash(Objects.requireNonNull(key)), key, Objects.requireNonNull(value));
    boolean[] added = new boolean[1];
    Object next = put(root, 0, leaf, added);
    return next == root ? this : new PersistentMap<>((Branch) next, size + (added[0] ? 1 : 0));
  }

  /** This map without {@code key}; this map itself when it had no such key. */
  public PersistentMap<K, V> without(Object key) {
    if (key == null) {
      return this;
    }
    Object next = remove(root, 0, hash(key), key);
    if (next == root) {
      return this;
    }
    return new PersistentMap<>(asRoot(next), size - 1);
  }

  /** This map with {@code removed} taken out, then {@code set} put in (as a ProgramDelta does). */
  public PersistentMap<K, V> withChanges(
      Map<? extends K, ? extends V> set, Collection<? extends K> removed) {
    PersistentMap<K, V> out = this;
    for (K key : removed) {
      out = out.without(key);
    }
    for (Map.Entry<? extends K, ? extends V> e : set.entrySet()) {
      out = out.with(e.getKey(), e.getValue());
    }
    return out;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    if (key == null) {
      return null;
    }
    int hash = hash(key);
    Object node = root;
    int shift = 0;
    while (true) {
      if (node instanceof Branch b) {
        int bit = bit(hash, shift);
        if ((b.bitmap & bit) == 0) {
          return null;
        }
        node = b.slots[index(b.bitmap, bit)];
        shift += BITS;
      } else if (node instanceof Leaf l) {
        return l.hash == hash && l.key.equals(key) ? (V) l.value : null;
      } else {
        Collision c = (Collision) node;
        if (c.hash != hash) {
          return null;
        }
        for (Object o : c.leaves) {
          Leaf l = (Leaf) o;
          if (l.key.equals(key)) {
            return (V) l.value;
          }
        }
        return null;
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public void forEach(BiConsumer<? super K, ? super V> action) {
    walk(root, (BiConsumer<Object, Object>) action);
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    Set<Map.Entry<K, V>> e = entries;
    if (e == null) {
      e =
          new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
              return new Entries<>(root);
            }

            @Override
            public int size() {
              return size;
            }
          };
      entries = e;
    }
    return e;
  }

  private static int hash(Object key) {
    int h = key.hashCode();
    return h ^ (h >>> 16);
  }

  private static int bit(int hash, int shift) {
    return 1 << ((hash >>> shift) & 31);
  }

  private static int index(int bitmap, int bit) {
    return Integer.bitCount(bitmap & (bit - 1));
  }

  /** A node left by a removal at the top: a leaf or collision is put back into a branch. */
  private static Branch asRoot(Object node) {
    if (node == null) {
      return EMPTY_ROOT;
    }
    if (node instanceof Branch b) {
      return b;
    }
    int hash = node instanceof Leaf l ? l.hash : ((Collision) node).hash;
    return new Branch(bit(hash, 0), new Object[] {node});
  }

  /** {@code node} with {@code leaf} put in; {@code node} itself when nothing changed. */
  private static Object put(Object node, int shift, Leaf leaf, boolean[] added) {
    if (node instanceof Leaf l) {
      if (l.hash == leaf.hash && l.key.equals(leaf.key)) {
        return l.value.equals(leaf.value) ? l : leaf;
      }
      added[0] = true;
      return pair(l, l.hash, leaf, leaf.hash, shift);
    }
    if (node instanceof Collision c) {
      if (c.hash != leaf.hash) {
        added[0] = true;
        return pair(c, c.hash, leaf, leaf.hash, shift);
      }
      for (int i = 0; i < c.leaves.length; i++) {
        Leaf l = (Leaf) c.leaves[i];
        if (l.key.equals(leaf.key)) {
          if (l.value.equals(leaf.value)) {
            return c;
          }
          Object[] leaves = c.leaves.clone();
          leaves[i] = leaf;
          return new Collision(c.hash, leaves);
        }
      }
      added[0] = true;
      Object[] leaves = new Object[c.leaves.length + 1];
      System.arraycopy(c.leaves, 0, leaves, 0, c.leaves.length);
      leaves[c.leaves.length] = leaf;
      return new Collision(c.hash, leaves);
    }
    Branch b = (Branch) node;
    int bit = bit(leaf.hash, shift);
    int idx = index(b.bitmap, bit);
    if ((b.bitmap & bit) == 0) {
      added[0] = true;
      Object[] slots = new Object[b.slots.length + 1];
      System.arraycopy(b.slots, 0, slots, 0, idx);
      slots[idx] = leaf;
      System.arraycopy(b.slots, idx, slots, idx + 1, b.slots.length - idx);
      return new Branch(b.bitmap | bit, slots);
    }
    Object child = b.slots[idx];
    Object next = put(child, shift + BITS, leaf, added);
    return next == child ? b : b.replace(idx, next);
  }

  /** A node at level {@code shift} holding two nodes (leaves or collisions) of distinct keys. */
  private static Object pair(Object a, int hashA, Object b, int hashB, int shift) {
    if (hashA == hashB) {
      return new Collision(hashA, new Object[] {a, b});
    }
    int ia = (hashA >>> shift) & 31;
    int ib = (hashB >>> shift) & 31;
    if (ia == ib) {
      return new Branch(1 << ia, new Object[] {pair(a, hashA, b, hashB, shift + BITS)});
    }
    return new Branch((1 << ia) | (1 << ib), ia < ib ? new Object[] {a, b} : new Object[] {b, a});
  }

  /**
   * {@code node} without {@code key}: {@code node} itself when it had no such key, null when it is
   * left empty, and a branch left with one leaf or collision collapses to that leaf or collision.
   */
  private static Object remove(Object node, int shift, int hash, Object key) {
    if (node instanceof Leaf l) {
      return l.hash == hash && l.key.equals(key) ? null : l;
    }
    if (node instanceof Collision c) {
      if (c.hash != hash) {
        return c;
      }
      for (int i = 0; i < c.leaves.length; i++) {
        if (((Leaf) c.leaves[i]).key.equals(key)) {
          if (c.leaves.length == 2) {
            return c.leaves[1 - i];
          }
          Object[] leaves = new Object[c.leaves.length - 1];
          System.arraycopy(c.leaves, 0, leaves, 0, i);
          System.arraycopy(c.leaves, i + 1, leaves, i, leaves.length - i);
          return new Collision(c.hash, leaves);
        }
      }
      return c;
    }
    Branch b = (Branch) node;
    int bit = bit(hash, shift);
    if ((b.bitmap & bit) == 0) {
      return b;
    }
    int idx = index(b.bitmap, bit);
    Object child = b.slots[idx];
    Object next = remove(child, shift + BITS, hash, key);
    if (next == child) {
      return b;
    }
    if (next == null) {
      if (b.slots.length == 1) {
        return null;
      }
      if (b.slots.length == 2 && !(b.slots[1 - idx] instanceof Branch)) {
        return b.slots[1 - idx];
      }
      Object[] slots = new Object[b.slots.length - 1];
      System.arraycopy(b.slots, 0, slots, 0, idx);
      System.arraycopy(b.slots, idx + 1, slots, idx, slots.length - idx);
      return new Branch(b.bitmap & ~bit, slots);
    }
    if (b.slots.length == 1 && !(next instanceof Branch)) {
      return next;
    }
    return b.replace(idx, next);
  }

  private static void walk(Object node, BiConsumer<Object, Object> action) {
    if (node instanceof Leaf l) {
      action.accept(l.key, l.value);
    } else {
      for (Object o : node instanceof Branch b ? b.slots : ((Collision) node).leaves) {
        walk(o, action);
      }
    }
  }

  /**
   * Up to 32 children (leaves, collisions or branches), one per set bit of bitmap, in bit order.
   */
  private static final class Branch {
    final int bitmap;
    final Object[] slots;

    Branch(int bitmap, Object[] slots) {
      this.bitmap = bitmap;
      this.slots = slots;
    }

    Branch replace(int idx, Object child) {
      Object[] copy = slots.clone();
      copy[idx] = child;
      return new Branch(bitmap, copy);
    }
  }

  /** Two or more leaves whose keys have the same (spread) hash. */
  private static final class Collision {
    final int hash;
    final Object[] leaves;

    Collision(int hash, Object[] leaves) {
      this.hash = hash;
      this.leaves = leaves;
    }
  }

  /** One entry; immutable. */
  private static final class Leaf implements Map.Entry<Object, Object> {
    final int hash;
    final Object key;
    final Object value;

    Leaf(int hash, Object key, Object value) {
      this.hash = hash;
      this.key = key;
      this.value = value;
    }

    @Override
    public Object getKey() {
      return key;
    }

    @Override
    public Object getValue() {
      return value;
    }

    @Override
    public Object setValue(Object v) {
      throw new UnsupportedOperationException("immutable");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Map.Entry<?, ?> e && key.equals(e.getKey()) && value.equals(e.getValue());
    }

    @Override
    public int hashCode() {
      return key.hashCode() ^ value.hashCode();
    }

    @Override
    public String toString() {
      return key + "=" + value;
    }
  }

  /** Depth-first over the trie: at most 7 branch levels and a collision below them. */
  private static final class Entries<K, V> implements Iterator<Map.Entry<K, V>> {
    private final Object[][] arrays = new Object[9][];
    private final int[] positions = new int[9];
    private int depth;
    private Leaf next;

    Entries(Branch root) {
      arrays[0] = root.slots;
      advance();
    }

    private void advance() {
      next = null;
      while (depth >= 0) {
        Object[] a = arrays[depth];
        int p = positions[depth];
        if (p == a.length) {
          depth--;
          continue;
        }
        positions[depth] = p + 1;
        Object o = a[p];
        if (o instanceof Leaf l) {
          next = l;
          return;
        }
        depth++;
        arrays[depth] = o instanceof Branch b ? b.slots : ((Collision) o).leaves;
        positions[depth] = 0;
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map.Entry<K, V> next() {
      Leaf l = next;
      if (l == null) {
        throw new NoSuchElementException();
      }
      advance();
      return (Map.Entry<K, V>) (Map.Entry<?, ?>) l;
    }
  }
}

package io.egressgw.dataplane;

/** One BPF map by fd with fixed key and value sizes; bulk calls go through libegressgw. */
public final class BpfMap {
  private final String name;
  private final int fd;
  private final int keySize;
  private final int valueSize;

  public BpfMap(String name, int fd, int keySize, int valueSize) {
    this.name = name;
    this.fd = fd;
    this.keySize = keySize;
    this.valueSize = valueSize;
  }

  public String name() {
    return name;
  }

  public int fd() {
    return fd;
  }

  public int keySize() {
    return keySize;
  }

  public int valueSize() {
    return valueSize;
  }

  /** Every entry; keys and values packed back to back. */
  public Entries dump(int capacity) {
    byte[] keys = new byte[Math.max(1, capacity) * keySize];
    byte[] values = new byte[Math.max(1, capacity) * valueSize];
    int n =
        (int)
            DataplaneException.check(
                NativeLibraries.egw().egw_map_dump(fd, keys, values, keySize, valueSize, capacity),
                "dump of " + name);
    return new Entries(n, keys, values);
  }

  /** Writes n packed entries; returns n. */
  public int updateMany(byte[] keys, byte[] values, int n) {
    if (n == 0) {
      return 0;
    }
    return (int)
        DataplaneException.check(
            NativeLibraries.egw().egw_map_update_many(fd, keys, values, keySize, valueSize, n),
            "update of " + name);
  }

  /** Deletes n packed keys (missing keys are fine); returns n. */
  public int deleteMany(byte[] keys, int n) {
    if (n == 0) {
      return 0;
    }
    return (int)
        DataplaneException.check(
            NativeLibraries.egw().egw_map_delete_many(fd, keys, keySize, n), "delete from " + name);
  }

  /** The value for key, or null when absent. */
  public byte[] lookup(byte[] key) {
    byte[] value = new byte[valueSize];
    int rc = NativeLibraries.libbpf().bpf_map_lookup_elem(fd, key, value);
    if (rc == -2) {
      return null;
    }
    DataplaneException.check(rc, "lookup in " + name);
    return value;
  }

  public void update(byte[] key, byte[] value) {
    DataplaneException.check(
        NativeLibraries.libbpf().bpf_map_update_elem(fd, key, value, 0), "update of " + name);
  }

  /**
   * Bytes of locked memory the kernel charges for this map ({@code memlock} in the fd's fdinfo), or
   * -1 when the kernel does not say.
   */
  public long memlockBytes() {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + fd))) {
        if (line.startsWith("memlock:")) {
          return Long.parseLong(line.substring("memlock:".length()).trim());
        }
      }
    } catch (java.io.IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** Packed entries as returned by {@link #dump}. */
  @SuppressWarnings("ArrayRecordComponent") // packed buffers for one pass, never compared
  public record Entries(int count, byte[] keys, byte[] values) {}
}

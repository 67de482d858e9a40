package io.egressgw.dataplane;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * Java mirror of src/native-ebpf/include/egressgw.h: constants and the map key/value layouts. The
 * offsets used to encode map entries come from the jnr-ffi {@link Struct}s below; MapLayoutBtfTest
 * checks them against the BTF of the compiled egressgw.bpf.o and SharedHeaderConstantsTest checks
 * the constants against the header.
 */
public final class MapLayouts {
  private MapLayouts() {}

  /** The action bits of skb->mark (never kube-proxy's 0x4000 / 0x8000, see {@link #mark}). */
  public static final int MARK_MASK = 0x00003fff;

  public static final int MARK_ID_MASK = 0xffff0000;
  public static final int MARK_ID_SHIFT = 16;

  /** kube-proxy's masquerade (0x4000) and drop (0x8000) bits: egressgw never sets them. */
  public static final int MARK_KUBE_PROXY = 0x0000c000;

  public static final int MARK_STEER = 0x00000e65;
  public static final int MARK_SNAT = 0x00000e66;
  public static final int MARK_STEERED = 0x00000e67;
  public static final int EGRESS_HAS_GATEWAY = 0x1;

  /** EGW_MARK_OF: the skb->mark for an action (MARK_STEER, ...) and an egress id (1..65535). */
  public static int mark(int action, int egressId) {
    return action | (egressId << MARK_ID_SHIFT);
  }

  public static final String MAP_SOURCES = "egw_sources";
  public static final String MAP_ROUTES = "egw_routes";
  public static final String MAP_EGRESSES = "egw_egresses";
  public static final String MAP_COUNTERS = "egw_counters";
  public static final String MAP_STATE = "egw_state";
  public static final String MAP_GUARD = "egw_guard";
  public static final String MAP_EXCLUDED = "egw_excluded";
  public static final String MAP_DROPS = "egw_drops";
  public static final String MAP_LEASES = "egw_leases";
  public static final String MAP_YIELDS = "egw_yields";

  public static final String PROG_CLASSIFY = "egw_classify";
  public static final String PROG_STEER = "egw_steer";
  public static final String PROG_GATEWAY = "egw_gateway";

  public static final int SOURCES_MAX = 131072;
  public static final int ROUTES_MAX = 1000000;
  public static final int EGRESSES_MAX = 65536;
  public static final int COUNTERS_MAX = 65536;
  public static final int GUARD_MAX = 65536;
  public static final int EXCLUDED_MAX = 65536;
  public static final int LEASES_MAX = 4096;

  /** egw_drops indexes: why the dataplane dropped packets. */
  public static final int DROP_GUARD = 0;

  public static final int DROP_NO_EGRESS = 1;
  public static final int DROP_NO_NEIGH = 2;
  public static final int DROP_NOT_ON_LINK = 3;
  public static final int DROP_LEASE = 4;
  public static final int DROP_CLAIMED = 5;
  public static final int DROP_NOT_OURS = 6;
  public static final int DROP_REASONS = 7;

  /** The metric label of each drop reason, by index. */
  public static final java.util.List<String> DROP_REASON_NAMES =
      java.util.List.of(
          "guard",
          "no_egress",
          "no_neighbour",
          "not_on_link",
          "lease_lapsed",
          "claimed",
          "not_ours");

  public static final int TC_HANDLE = 0xe65;
  public static final int TC_PRIORITY = 0xe65;

  /** struct egw_route_key. */
  public static final class RouteKey extends Struct {
    public final Unsigned32 prefixlen = new Unsigned32();
    public final Unsigned32 ruleSet = new Unsigned32();
    public final Unsigned32 daddr = new Unsigned32();

    public RouteKey(Runtime runtime) {
      super(runtime);
    }
  }

  /** struct egw_guard_key. */
  public static final class GuardKey extends Struct {
    public final Unsigned32 prefixlen = new Unsigned32();
    public final Unsigned32 daddr = new Unsigned32();

    public GuardKey(Runtime runtime) {
      super(runtime);
    }
  }

  /** struct egw_egress. */
  public static final class Egress extends Struct {
    public final Unsigned32 gatewayIp = new Unsigned32();
    public final Unsigned32 egressIp = new Unsigned32();
    public final Unsigned32 flags = new Unsigned32();

    public Egress(Runtime runtime) {
      super(runtime);
    }
  }

  /** struct egw_counters (one per CPU in the map). */
  public static final class Counters extends Struct {
    public final Unsigned64 packets = new Unsigned64();
    public final Unsigned64 bytes = new Unsigned64();

    public Counters(Runtime runtime) {
      super(runtime);
    }
  }

  /** struct egw_state. */
  public static final class State extends Struct {
    public final Unsigned64 generation = new Unsigned64();

    public State(Runtime runtime) {
      super(runtime);
    }
  }

  /** struct egw_lease. */
  public static final class Lease extends Struct {
    public final Unsigned64 deadlineNs = new Unsigned64();
    public final Unsigned64 takenNs = new Unsigned64();

    public Lease(Runtime runtime) {
      super(runtime);
    }
  }

  /** struct egw_yield. */
  public static final class Yield extends Struct {
    public final Unsigned64 atNs = new Unsigned64();
    public final Unsigned8[] claimer = array(new Unsigned8[6]);
    public final Unsigned8[] pad = array(new Unsigned8[2]);

    public Yield(Runtime runtime) {
      super(runtime);
    }
  }

  private static final Runtime RT = Runtime.getSystemRuntime();
  public static final RouteKey ROUTE_KEY = new RouteKey(RT);
  public static final Egress EGRESS = new Egress(RT);
  public static final Counters COUNTERS = new Counters(RT);
  public static final State STATE = new State(RT);
  public static final GuardKey GUARD_KEY = new GuardKey(RT);
  public static final Lease LEASE = new Lease(RT);
  public static final Yield YIELD = new Yield(RT);

  public static final int ROUTE_KEY_SIZE = Struct.size(ROUTE_KEY);
  public static final int EGRESS_SIZE = Struct.size(EGRESS);
  public static final int COUNTERS_SIZE = Struct.size(COUNTERS);
  public static final int STATE_SIZE = Struct.size(STATE);
  public static final int GUARD_KEY_SIZE = Struct.size(GUARD_KEY);
  public static final int LEASE_SIZE = Struct.size(LEASE);
  public static final int YIELD_SIZE = Struct.size(YIELD);
  public static final int U32_SIZE = 4;

  private static ByteBuffer buf(byte[] b, int offset) {
    return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).position(offset);
  }

  /** Writes a host-order u32 at base + field offset. */
  static void putU32(byte[] b, int base, Struct.NumberField field, int value) {
    buf(b, 0).putInt(base + (int) field.offset(), value);
  }

  static int getU32(byte[] b, int base, Struct.NumberField field) {
    return buf(b, 0).getInt(base + (int) field.offset());
  }

  /** Writes an IPv4 address (big-endian value) in network order at base + field offset. */
  static void putIp(byte[] b, int base, Struct.NumberField field, int ip) {
    ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).putInt(base + (int) field.offset(), ip);
  }

  static int getIp(byte[] b, int base, Struct.NumberField field) {
    return ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).getInt(base + (int) field.offset());
  }

  static long getU64(byte[] b, int base, Struct.NumberField field) {
    return buf(b, 0).getLong(base + (int) field.offset());
  }

  static void putU64(byte[] b, int base, Struct.NumberField field, long value) {
    buf(b, 0).putLong(base + (int) field.offset(), value);
  }

  /** A plain u32 key or value at index i of a packed array. */
  static void putU32At(byte[] b, int index, int value) {
    buf(b, 0).putInt(index * U32_SIZE, value);
  }

  static int getU32At(byte[] b, int index) {
    return buf(b, 0).getInt(index * U32_SIZE);
  }

  /** An IPv4 key (network order) at index i of a packed array. */
  static void putIpAt(byte[] b, int index, int ip) {
    ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).putInt(index * U32_SIZE, ip);
  }

  static int getIpAt(byte[] b, int index) {
    return ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).getInt(index * U32_SIZE);
  }
}

package io.egressgw.dataplane;

import io.egressgw.net.Ipv4;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * Runs a tc program on a crafted packet in the kernel (BPF_PROG_TEST_RUN through libbpf's
 * bpf_prog_test_run_opts), with skb->mark in and out through the __sk_buff context. For table tests
 * of the programs and for measuring their per-packet cost.
 */
@SuppressWarnings("SameNameButDifferent") // jnr's Struct.Pointer fields beside jnr.ffi.Pointer
public final class ProgTestRun {
  private ProgTestRun() {}

  /** sizeof(struct __sk_buff) on the kernels we support (also in the object's BTF). */
  static final int SK_BUFF_SIZE = 192;

  /** offsetof(struct __sk_buff, mark). */
  static final int SK_BUFF_MARK = 8;

  public static final int TC_ACT_UNSPEC = -1;
  public static final int TC_ACT_OK = 0;
  public static final int TC_ACT_SHOT = 2;
  public static final int TC_ACT_REDIRECT = 7;

  /** struct bpf_test_run_opts of libbpf 1.x. */
  static final class Opts extends Struct {
    final size_t sz = new size_t();
    final Pointer dataIn = new Pointer();
    final Pointer dataOut = new Pointer();
    final Unsigned32 dataSizeIn = new Unsigned32();
    final Unsigned32 dataSizeOut = new Unsigned32();
    final Pointer ctxIn = new Pointer();
    final Pointer ctxOut = new Pointer();
    final Unsigned32 ctxSizeIn = new Unsigned32();
    final Unsigned32 ctxSizeOut = new Unsigned32();
    final Unsigned32 retval = new Unsigned32();
    final Signed32 repeat = new Signed32();
    final Unsigned32 duration = new Unsigned32();
    final Unsigned32 flags = new Unsigned32();
    final Unsigned32 cpu = new Unsigned32();
    final Unsigned32 batchSize = new Unsigned32();

    Opts(Runtime runtime) {
      super(runtime);
    }
  }

  /**
   * Result of one run.
   *
   * @param retval the program's verdict (TC_ACT_*)
   * @param markOut skb->mark after the program
   * @param nanosPerRun average duration per repetition as measured by the kernel
   */
  public record Result(int retval, int markOut, long nanosPerRun) {}

  public static Result run(int progFd, byte[] packet, int markIn, int repeat) {
    Runtime rt = Runtime.getSystemRuntime();
    Pointer data = Memory.allocateDirect(rt, packet.length);
    data.put(0, packet, 0, packet.length);
    Pointer out = Memory.allocateDirect(rt, packet.length + 256);
    Pointer ctxIn = Memory.allocateDirect(rt, SK_BUFF_SIZE);
    Pointer ctxOut = Memory.allocateDirect(rt, SK_BUFF_SIZE);
    ctxIn.putInt(SK_BUFF_MARK, markIn);
    Opts o = new Opts(rt);
    Pointer mem = Memory.allocateDirect(rt, Struct.size(o));
    o.useMemory(mem);
    o.sz.set(Struct.size(o));
    o.dataIn.set(data);
    o.dataSizeIn.set(packet.length);
    o.dataOut.set(out);
    o.dataSizeOut.set(packet.length + 256);
    o.ctxIn.set(ctxIn);
    o.ctxSizeIn.set(SK_BUFF_SIZE);
    o.ctxOut.set(ctxOut);
    o.ctxSizeOut.set(SK_BUFF_SIZE);
    o.repeat.set(repeat);
    DataplaneException.check(
        NativeLibraries.libbpf().bpf_prog_test_run_opts(progFd, mem), "BPF_PROG_TEST_RUN");
    return new Result((int) o.retval.get(), ctxOut.getInt(SK_BUFF_MARK), o.duration.get());
  }

  /** An Ethernet + IPv4 + TCP SYN packet from saddr to daddr (checksums are not checked by tc). */
  public static byte[] tcpPacket(String saddr, String daddr) {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.BIG_ENDIAN);
    b.put(new byte[] {2, 0, 0, 0, 0, 2})
        .put(new byte[] {2, 0, 0, 0, 0, 1})
        .putShort((short) 0x0800);
    b.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) 40)
        .putShort((short) 1)
        .putShort((short) 0x4000);
    b.put((byte) 64)
        .put((byte) 6)
        .putShort((short) 0)
        .putInt(Ipv4.parseOrThrow(saddr))
        .putInt(Ipv4.parseOrThrow(daddr));
    b.putShort((short) 40000).putShort((short) 443).putInt(1).putInt(0);
    b.put((byte) 0x50).put((byte) 0x02).putShort((short) 65535).putInt(0);
    return b.array();
  }

  /** An ARP packet (not IPv4): every program must leave it alone. */
  public static byte[] arpPacket() {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.BIG_ENDIAN);
    b.put(new byte[] {-1, -1, -1, -1, -1, -1})
        .put(new byte[] {2, 0, 0, 0, 0, 1})
        .putShort((short) 0x0806);
    b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
    return b.array();
  }
}

package io.egressgw.dataplane;

import java.nio.ByteOrder;

/**
 * IPv4 addresses at the native boundary. Java holds an address as an int in value order (10.0.0.1
 * is 0x0a000001); writing it with a big-endian buffer yields network byte order, as BPF maps
 * expect. A u32 passed by value to C must instead be a native-endian int whose memory bytes are in
 * network order: that is what {@link #asNativeU32} returns.
 */
public final class NetworkByteOrder {
  private NetworkByteOrder() {}

  /** The same address as a native-endian int whose memory bytes are in network order. */
  public static int asNativeU32(int address) {
    return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
        ? Integer.reverseBytes(address)
        : address;
  }
}

package io.egressgw.agent;

/**
 * What applying one program did.
 *
 * @param generation the program's generation, now the applied one
 * @param mapWrites BPF map element updates and deletes (0 when the program matched what was
 *     installed)
 * @param nftChanges SNAT map elements added or deleted
 * @param addressChanges floating IPs configured or released on the uplink
 * @param attachments tc attachments made or replaced (new pod interfaces, a new agent process); 0
 *     when the apply changed only sources, routes or prefixes and left the interface pass to its
 *     timer and the link events
 */
public record ApplyResult(
    long generation, int mapWrites, int nftChanges, int addressChanges, int attachments) {

  /** True when the kernel state already matched the program. */
  public boolean changedNothing() {
    return mapWrites == 0 && nftChanges == 0 && addressChanges == 0 && attachments == 0;
  }
}

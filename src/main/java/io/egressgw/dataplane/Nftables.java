package io.egressgw.dataplane;

import jnr.ffi.Pointer;

/** Runs nftables commands through libnftables (one transaction per buffer), no nft(8). */
public final class Nftables implements AutoCloseable {
  private final NativeLibraries.Nft nft = NativeLibraries.nft();
  private final Pointer ctx;

  public Nftables() {
    ctx = nft.nft_ctx_new(NativeLibraries.Nft.NFT_CTX_DEFAULT);
    if (ctx == null) {
      throw new DataplaneException("nft_ctx_new failed");
    }
    nft.nft_ctx_buffer_output(ctx);
    nft.nft_ctx_buffer_error(ctx);
  }

  /** Runs a buffer of commands atomically; returns its output, throws with nft's error text. */
  public synchronized String run(String commands) {
    nft.nft_ctx_output_set_flags(ctx, 0);
    return exec(commands);
  }

  /** Runs a listing command with JSON output. */
  public synchronized String runJson(String commands) {
    nft.nft_ctx_output_set_flags(ctx, NativeLibraries.Nft.NFT_CTX_OUTPUT_JSON);
    try {
      return exec(commands);
    } finally {
      nft.nft_ctx_output_set_flags(ctx, 0);
    }
  }

  /** Like {@link #runJson} but returns null instead of throwing (e.g. the table does not exist). */
  public synchronized String tryRunJson(String commands) {
    try {
      return runJson(commands);
    } catch (DataplaneException e) {
      return null;
    }
  }

  private String exec(String commands) {
    int rc = nft.nft_run_cmd_from_buffer(ctx, commands);
    String out = nft.nft_ctx_get_output_buffer(ctx);
    String err = nft.nft_ctx_get_error_buffer(ctx);
    if (rc != 0) {
      throw new DataplaneException(
          "nft failed: " + (err == null ? "" : err.trim()) + "\n" + commands);
    }
    return out == null ? "" : out;
  }

  @Override
  public void close() {
    nft.nft_ctx_free(ctx);
  }
}

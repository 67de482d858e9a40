package io.egressgw.dataplane;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The jnr-ffi bindings: our libegressgw.so (shipped in the application under native/), libbpf.so.1
 * and libnftables.so.1. Loaded once, lazily, so that the controller role never touches them.
 */
public final class NativeLibraries {
  private NativeLibraries() {}

  /** src/native-ebpf/user/libegressgw.h; see there for return conventions (-errno on failure). */
  public interface Egw {
    Pointer egw_open(String pinRoot);

    int egw_set_node_ip(Pointer obj, int nodeIpNetworkOrder);

    int egw_set_max_entries(Pointer obj, String map, int maxEntries);

    int egw_load(Pointer obj);

    void egw_close(Pointer obj);

    int egw_map_fd(Pointer obj, String map);

    int egw_prog_fd(Pointer obj, String prog);

    long egw_obj_id(int fd);

    int egw_tc_attach(int ifindex, int ingress, int progFd);

    long egw_tc_query(int ifindex, int ingress);

    int egw_tc_detach(int ifindex, int ingress);

    int egw_tcx_attach(int ifindex, int ingress, int progFd, int progId, String pinPath);

    int egw_tcx_query(int ifindex, int ingress, int progId);

    int egw_events_open();

    int egw_events_wait(int fd, int timeoutMs, @Out byte[] buf, int len);

    void egw_events_close(int fd);

    int egw_addr_add(int ifindex, int addrNetworkOrder, int prefixlen, String label);

    int egw_addr_del(int ifindex, int addrNetworkOrder, int prefixlen);

    int egw_addr_dump(@Out byte[] buf, int len);

    int egw_link_dump(@Out byte[] buf, int len);

    int egw_garp(int ifindex, int addrNetworkOrder);

    int egw_arp_probe(int ifindex, int addrNetworkOrder);

    int egw_neigh_use(int ifindex, int addrNetworkOrder);

    int egw_neigh_state(int ifindex, int addrNetworkOrder);

    int egw_map_dump(
        int fd, @Out byte[] keys, @Out byte[] values, int keySize, int valueSize, int max);

    int egw_map_update_many(
        int fd, @In byte[] keys, @In byte[] values, int keySize, int valueSize, int n);

    int egw_map_delete_many(int fd, @In byte[] keys, int keySize, int n);
  }

  /** The few libbpf.so.1 calls Java makes directly. */
  public interface Libbpf {
    int bpf_map_lookup_elem(int fd, @In byte[] key, @Out byte[] value);

    int bpf_map_update_elem(int fd, @In byte[] key, @In byte[] value, long flags);

    int bpf_map_delete_elem(int fd, @In byte[] key);

    int libbpf_num_possible_cpus();

    int bpf_prog_test_run_opts(int progFd, Pointer opts);
  }

  /** libnftables.so.1. */
  public interface Nft {
    int NFT_CTX_DEFAULT = 0;
    int NFT_CTX_OUTPUT_JSON = 1 << 4;

    Pointer nft_ctx_new(int flags);

    void nft_ctx_free(Pointer ctx);

    void nft_ctx_output_set_flags(Pointer ctx, int flags);

    int nft_ctx_buffer_output(Pointer ctx);

    int nft_ctx_buffer_error(Pointer ctx);

    String nft_ctx_get_output_buffer(Pointer ctx);

    String nft_ctx_get_error_buffer(Pointer ctx);

    int nft_run_cmd_from_buffer(Pointer ctx, String buffer);
  }

  private static volatile Egw egw;
  private static volatile Libbpf libbpf;
  private static volatile Nft nft;

  public static synchronized Egw egw() {
    if (egw == null) {
      libbpf(); // libegressgw.so depends on libbpf.so.1; load it first so the error is clear
      egw =
          LibraryLoader.create(Egw.class)
              .failImmediately()
              .load(libraryPath("libegressgw.so").toString());
    }
    return egw;
  }

  public static synchronized Libbpf libbpf() {
    if (libbpf == null) {
      libbpf =
          LibraryLoader.create(Libbpf.class).failImmediately().load(systemLibrary("libbpf.so.1"));
    }
    return libbpf;
  }

  public static synchronized Nft nft() {
    if (nft == null) {
      nft =
          LibraryLoader.create(Nft.class).failImmediately().load(systemLibrary("libnftables.so.1"));
    }
    return nft;
  }

  /** dlopen() finds sonames through the loader cache; a full path also works when present. */
  private static String systemLibrary(String soname) {
    for (String dir :
        new String[] {
          "/usr/lib/x86_64-linux-gnu",
          "/usr/lib/aarch64-linux-gnu",
          "/usr/lib64",
          "/usr/lib",
          "/lib/x86_64-linux-gnu"
        }) {
      Path p = Paths.get(dir, soname);
      if (Files.exists(p)) {
        return p.toString();
      }
    }
    return soname;
  }

  /** A file path for a native/ resource: the file itself when on disk, else a temp copy. */
  public static Path libraryPath(String name) {
    URL url = NativeLibraries.class.getClassLoader().getResource("native/" + name);
    if (url == null) {
      throw new DataplaneException(
          "native/" + name + " is not on the classpath: build with mvn (src/native-ebpf)");
    }
    try {
      if ("file".equals(url.getProtocol())) {
        return Paths.get(url.toURI());
      }
      Path tmp = Files.createTempFile("egressgw-", "-" + name);
      tmp.toFile().deleteOnExit();
      try (InputStream in = url.openStream()) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      return tmp;
    } catch (IOException | java.net.URISyntaxException e) {
      throw new DataplaneException("cannot extract native/" + name, e);
    }
  }
}

package io.egressgw.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.egressgw.net.Ipv4;
import io.egressgw.net.Ipv4Prefix;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reading the maps back (what an agent does when it restarts over pinned maps) in the kernel: the
 * batch lookup in {@code egw_map_dump} returns every entry exactly once, over many batches, for the
 * hash maps and the LPM tries, and the same again after deletions. The object is loaded (never
 * attached) with its maps pinned on a bpffs mounted for this test only.
 */
class MapDumpE2E {
  static final int SOURCES = 50_000;
  static final int ROUTES = 100_000;
  Path bpffs;
  DataplaneObject bpf;

  @BeforeEach
  void load() throws Exception {
    RootRequirement.check();
    bpffs = Files.createTempDirectory("egw-bpffs-test-");
    Sh.must("mount", "-t", "bpf", "bpf", bpffs.toString());
    bpf =
        DataplaneObject.load(
            bpffs.resolve("node").toString(),
            Ipv4.parseOrThrow("10.77.0.2"),
            DataplaneObject.Capacities.defaults());
  }

  @AfterEach
  void unload() throws Exception {
    if (bpf != null) {
      bpf.close();
    }
    if (bpffs != null) {
      Sh.run(10, "umount", bpffs.toString());
      Files.deleteIfExists(bpffs);
    }
  }

  @Test
  void everyEntryOfAHashMapAndAnLpmTrieIsReadBackOnceAlsoAfterDeletions() {
    // Arrange: 50,000 sources (hash) and 100,000 routes (LPM trie, /16 to /32).
    Map<Integer, Integer> sources = new HashMap<>();
    for (int i = 0; i < SOURCES; i++) {
      sources.put(Ipv4.parseOrThrow("10.128.0.0") + i, i % 1000);
    }
    Map<RouteKey, Integer> routes = new HashMap<>();
    for (int i = 0; i < ROUTES; i++) {
      int prefix = 16 + i % 17;
      int address = (Ipv4.parseOrThrow("198.51.0.0") + i * 37) & (int) (-1L << (32 - prefix));
      routes.put(new RouteKey(1 + i % 100, new Ipv4Prefix(address, prefix)), 1 + i % 50);
    }
    MapCodec.writeSources(bpf.sources(), sources);
    MapCodec.writeRoutes(bpf.routes(), routes);
    DataplaneObject.Capacities caps = DataplaneObject.Capacities.defaults();

    // Act + assert: read back whole.
    assertEquals(sources, MapCodec.readSources(bpf.sources(), caps.sources()));
    assertEquals(routes, MapCodec.readRoutes(bpf.routes(), caps.routes()));

    // Act: delete every third entry of each.
    List<Integer> goneSources =
        sources.keySet().stream().filter(ip -> Math.floorMod(ip, 3) == 0).toList();
    List<RouteKey> goneRoutes =
        routes.keySet().stream().filter(k -> Math.floorMod(k.hashCode(), 3) == 0).toList();
    MapCodec.deleteU32(bpf.sources(), goneSources);
    MapCodec.deleteRoutes(bpf.routes(), goneRoutes);
    goneSources.forEach(sources::remove);
    goneRoutes.forEach(routes::remove);

    // Assert: what is left, and nothing else.
    assertEquals(sources, MapCodec.readSources(bpf.sources(), caps.sources()));
    assertEquals(routes, MapCodec.readRoutes(bpf.routes(), caps.routes()));
  }

  @Test
  void aDumpStopsAtItsLimit() {
    Map<Integer, Integer> sources = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      sources.put(Ipv4.parseOrThrow("10.128.0.0") + i, 1);
    }
    MapCodec.writeSources(bpf.sources(), sources);

    assertEquals(600, bpf.sources().dump(600).count());
  }
}

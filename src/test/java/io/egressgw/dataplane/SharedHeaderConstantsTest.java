package io.egressgw.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The constants of src/native-ebpf/include/egressgw.h against their Java copies in {@link
 * MapLayouts}.
 */
class SharedHeaderConstantsTest {

  record Case(String macro, Object javaValue) {}

  static List<Case> cases() {
    return List.of(
        new Case("EGW_MARK_MASK", MapLayouts.MARK_MASK),
        new Case("EGW_MARK_ID_MASK", MapLayouts.MARK_ID_MASK),
        new Case("EGW_MARK_ID_SHIFT", MapLayouts.MARK_ID_SHIFT),
        new Case("EGW_MARK_KUBE_PROXY", MapLayouts.MARK_KUBE_PROXY),
        new Case("EGW_MARK_STEER", MapLayouts.MARK_STEER),
        new Case("EGW_MARK_SNAT", MapLayouts.MARK_SNAT),
        new Case("EGW_MARK_STEERED", MapLayouts.MARK_STEERED),
        new Case("EGW_EGRESS_HAS_GATEWAY", MapLayouts.EGRESS_HAS_GATEWAY),
        new Case("EGW_MAP_SOURCES", MapLayouts.MAP_SOURCES),
        new Case("EGW_MAP_ROUTES", MapLayouts.MAP_ROUTES),
        new Case("EGW_MAP_EGRESSES", MapLayouts.MAP_EGRESSES),
        new Case("EGW_MAP_COUNTERS", MapLayouts.MAP_COUNTERS),
        new Case("EGW_MAP_STATE", MapLayouts.MAP_STATE),
        new Case("EGW_MAP_GUARD", MapLayouts.MAP_GUARD),
        new Case("EGW_GUARD_MAX", MapLayouts.GUARD_MAX),
        new Case("EGW_MAP_EXCLUDED", MapLayouts.MAP_EXCLUDED),
        new Case("EGW_EXCLUDED_MAX", MapLayouts.EXCLUDED_MAX),
        new Case("EGW_MAP_DROPS", MapLayouts.MAP_DROPS),
        new Case("EGW_DROP_GUARD", MapLayouts.DROP_GUARD),
        new Case("EGW_DROP_NO_EGRESS", MapLayouts.DROP_NO_EGRESS),
        new Case("EGW_DROP_NO_NEIGH", MapLayouts.DROP_NO_NEIGH),
        new Case("EGW_DROP_NOT_ON_LINK", MapLayouts.DROP_NOT_ON_LINK),
        new Case("EGW_DROP_LEASE", MapLayouts.DROP_LEASE),
        new Case("EGW_DROP_CLAIMED", MapLayouts.DROP_CLAIMED),
        new Case("EGW_DROP_NOT_OURS", MapLayouts.DROP_NOT_OURS),
        new Case("EGW_DROP_REASONS", MapLayouts.DROP_REASONS),
        new Case("EGW_MAP_LEASES", MapLayouts.MAP_LEASES),
        new Case("EGW_MAP_YIELDS", MapLayouts.MAP_YIELDS),
        new Case("EGW_LEASES_MAX", MapLayouts.LEASES_MAX),
        new Case("EGW_SOURCES_MAX", MapLayouts.SOURCES_MAX),
        new Case("EGW_ROUTES_MAX", MapLayouts.ROUTES_MAX),
        new Case("EGW_EGRESSES_MAX", MapLayouts.EGRESSES_MAX),
        new Case("EGW_COUNTERS_MAX", MapLayouts.COUNTERS_MAX),
        new Case("EGW_TC_HANDLE", MapLayouts.TC_HANDLE),
        new Case("EGW_TC_PRIORITY", MapLayouts.TC_PRIORITY));
  }

  static Map<String, String> defines() throws Exception {
    // a value may stand on a continuation line (clang-format wraps a define with a long comment)
    Pattern p =
        Pattern.compile("^#define\\s+(EGW_\\w+)\\s+(?:\\\\\\n\\s*)?(\\S+)", Pattern.MULTILINE);
    Matcher m = p.matcher(Files.readString(Path.of("src/native-ebpf/include/egressgw.h")));
    Map<String, String> out = new HashMap<>();
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  @org.junit.jupiter.api.Test
  void noMarkBitEgressgwMaySetIsKubeProxysMasqueradeOrDropBit() {
    int kubeProxy = 0x4000 | 0x8000;
    int ours = MapLayouts.MARK_MASK | MapLayouts.MARK_ID_MASK;

    assertEquals(0, ours & kubeProxy, "bits egressgw may set: " + Integer.toHexString(ours));
    for (int action :
        new int[] {MapLayouts.MARK_STEER, MapLayouts.MARK_SNAT, MapLayouts.MARK_STEERED}) {
      assertEquals(action, action & MapLayouts.MARK_MASK, "the action fits its field");
    }
    assertEquals(kubeProxy, MapLayouts.MARK_KUBE_PROXY);
    assertEquals(
        0xffff0e66, MapLayouts.mark(MapLayouts.MARK_SNAT, 0xffff), "the highest egress id");
  }

  @TestFactory
  Stream<DynamicTest> javaConstantsEqualTheSharedHeader() throws Exception {
    Map<String, String> defines = defines();
    return cases().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.macro(),
                    () -> {
                      String raw = defines.get(c.macro());
                      assertNotNull(raw, c.macro() + " not defined in egressgw.h");
                      if (c.javaValue() instanceof String s) {
                        assertEquals(raw, s);
                      } else {
                        String digits = raw.replaceAll("[uU]$", "");
                        long value =
                            digits.startsWith("0x")
                                ? Long.parseLong(digits.substring(2), 16)
                                : Long.parseLong(digits);
                        assertEquals((int) value, (int) (Integer) c.javaValue(), c.macro());
                      }
                    }));
  }
}

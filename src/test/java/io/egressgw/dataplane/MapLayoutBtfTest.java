package io.egressgw.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.egressgw.netns.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jnr.ffi.Struct;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java layouts of map keys and values (jnr-ffi Structs in {@link MapLayouts}) against the BTF
 * of the compiled egressgw.bpf.o, read with {@code bpftool btf dump file ... format raw}: struct
 * sizes and each member's offset must agree, as Cilium's alignchecker does for its Go structs.
 */
class MapLayoutBtfTest {

  /** A BTF struct: size and member name -> byte offset. */
  record BtfStruct(int size, Map<String, Integer> offsets) {}

  /** One row: BTF struct name, the Java struct, BTF member -> Java field. */
  record Case(String desc, String btfName, Struct java, Map<String, Struct.NumberField> members) {}

  static List<Case> cases() {
    MapLayouts.RouteKey rk = MapLayouts.ROUTE_KEY;
    MapLayouts.Egress eg = MapLayouts.EGRESS;
    MapLayouts.Counters c = MapLayouts.COUNTERS;
    MapLayouts.State st = MapLayouts.STATE;
    MapLayouts.GuardKey gk = MapLayouts.GUARD_KEY;
    MapLayouts.Lease ls = MapLayouts.LEASE;
    MapLayouts.Yield y = MapLayouts.YIELD;
    return List.of(
        new Case(
            "leases value",
            "egw_lease",
            ls,
            ordered("deadline_ns", ls.deadlineNs, "taken_ns", ls.takenNs)),
        new Case(
            "yields value",
            "egw_yield",
            y,
            // arrays: the offset of their first element
            ordered("at_ns", y.atNs, "claimer", y.claimer[0], "pad", y.pad[0])),
        new Case(
            "guard key",
            "egw_guard_key",
            gk,
            ordered("prefixlen", gk.prefixlen, "daddr", gk.daddr)),
        new Case(
            "routes key",
            "egw_route_key",
            rk,
            ordered("prefixlen", rk.prefixlen, "rule_set", rk.ruleSet, "daddr", rk.daddr)),
        new Case(
            "egresses value",
            "egw_egress",
            eg,
            ordered("gateway_ip", eg.gatewayIp, "egress_ip", eg.egressIp, "flags", eg.flags)),
        new Case(
            "counters value", "egw_counters", c, ordered("packets", c.packets, "bytes", c.bytes)),
        new Case("state value", "egw_state", st, ordered("generation", st.generation)));
  }

  static Map<String, Struct.NumberField> ordered(Object... kv) {
    Map<String, Struct.NumberField> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (Struct.NumberField) kv[i + 1]);
    }
    return m;
  }

  static Map<String, BtfStruct> btfStructs() {
    return btfStructs(NativeLibraries.libraryPath("egressgw.bpf.o"));
  }

  static Map<String, BtfStruct> btfStructs(Path btfFile) {
    Sh.Result dump =
        Sh.run(60, "bpftool", "btf", "dump", "file", btfFile.toString(), "format", "raw");
    assertEquals(0, dump.exitCode(), "bpftool btf dump: " + dump.output());
    Pattern header = Pattern.compile("^\\[\\d+] STRUCT '([^']+)' size=(\\d+) vlen=(\\d+)");
    Pattern member = Pattern.compile("^\\s+'([^']+)' type_id=\\d+ bits_offset=(\\d+)");
    Map<String, BtfStruct> out = new HashMap<>();
    String current = null;
    for (String line : dump.output().split("\n")) {
      Matcher h = header.matcher(line);
      if (h.find()) {
        current = h.group(1);
        out.put(current, new BtfStruct(Integer.parseInt(h.group(2)), new LinkedHashMap<>()));
        continue;
      }
      Matcher m = member.matcher(line);
      if (current != null && m.find()) {
        int bits = Integer.parseInt(m.group(2));
        // a bitfield member has no byte offset: -1, which no Java field offset can equal
        out.get(current).offsets().put(m.group(1), bits % 8 == 0 ? bits / 8 : -1);
      } else if (!line.startsWith("\t")) {
        current = null;
      }
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> javaLayoutsMatchTheBtfOfTheObject() {
    Map<String, BtfStruct> btf = btfStructs();
    return cases().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.desc() + " (struct " + c.btfName() + ")",
                    () -> {
                      BtfStruct s = btf.get(c.btfName());
                      assertNotNull(s, "struct " + c.btfName() + " is not in the object's BTF");
                      assertEquals(s.size(), Struct.size(c.java()), "size of " + c.btfName());
                      assertEquals(
                          s.offsets().keySet(), c.members().keySet(), "members of " + c.btfName());
                      c.members()
                          .forEach(
                              (name, field) ->
                                  assertEquals(
                                      s.offsets().get(name),
                                      (int) field.offset(),
                                      c.btfName() + "." + name + " offset"));
                    }));
  }

  @Test
  void mapsInTheObjectAreTheOnesJavaNames() {
    Path obj = NativeLibraries.libraryPath("egressgw.bpf.o");
    String dump =
        Sh.run(30, "bpftool", "btf", "dump", "file", obj.toString(), "format", "raw").output();
    for (String map :
        List.of(
            MapLayouts.MAP_SOURCES,
            MapLayouts.MAP_ROUTES,
            MapLayouts.MAP_EGRESSES,
            MapLayouts.MAP_COUNTERS,
            MapLayouts.MAP_STATE,
            MapLayouts.MAP_GUARD,
            MapLayouts.MAP_EXCLUDED,
            MapLayouts.MAP_DROPS,
            MapLayouts.MAP_LEASES,
            MapLayouts.MAP_YIELDS)) {
      assertTrue(dump.contains("VAR '" + map + "'"), map + " missing from the object");
    }
    assertTrue(
        dump.contains("VAR 'egw_node_ip'"), "runtime setting egw_node_ip missing from .rodata");
  }

  /**
   * {@link ProgTestRun} passes a {@code struct __sk_buff} as the context by hand (its size and the
   * offset of {@code mark}); the running kernel's BTF is the authority on both.
   */
  @Test
  void progTestRunSkBuffLayoutMatchesTheKernelsBtf() {
    Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
    assumeTrue(
        Files.isReadable(vmlinux) || System.getenv("CI") != null, "no kernel BTF at " + vmlinux);
    BtfStruct skb = btfStructs(vmlinux).get("__sk_buff");
    assertNotNull(skb, "struct __sk_buff is not in the kernel's BTF");
    assertEquals(skb.size(), ProgTestRun.SK_BUFF_SIZE, "sizeof(struct __sk_buff)");
    assertEquals(skb.offsets().get("mark"), ProgTestRun.SK_BUFF_MARK, "offsetof(__sk_buff, mark)");
  }
}

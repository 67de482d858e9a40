package io.egressgw.dataplane;

import static io.egressgw.dataplane.MapLayouts.*;

import jnr.ffi.Pointer;

/**
 * The loaded egressgw BPF object: its three tc programs and its maps, pinned by name under a
 * directory on a bpffs so that a later process reuses the same maps (and so the same state).
 * Runtime settings (this node's IP) and map capacities are fixed between open and load.
 */
public final class DataplaneObject implements AutoCloseable {

  /**
   * Map capacities; must equal those of already pinned maps (libbpf refuses to reuse otherwise).
   */
  public record Capacities(int sources, int routes, int egresses, int guard, int excluded) {
    /** The default guard and excluded capacities. */
    public Capacities(int sources, int routes, int egresses) {
      this(sources, routes, egresses, GUARD_MAX);
    }

    /** The default excluded capacity. */
    public Capacities(int sources, int routes, int egresses, int guard) {
      this(sources, routes, egresses, guard, EXCLUDED_MAX);
    }

    public static Capacities defaults() {
      return new Capacities(SOURCES_MAX, ROUTES_MAX, EGRESSES_MAX, GUARD_MAX, EXCLUDED_MAX);
    }
  }

  private static final org.jboss.logging.Logger LOG =
      org.jboss.logging.Logger.getLogger(DataplaneObject.class);
  private static volatile boolean tcxUnavailableLogged;

  private final Pointer obj;
  private final String pinDir;
  private final BpfMap sources;
  private final BpfMap routes;
  private final BpfMap egresses;
  private final BpfMap counters;
  private final BpfMap state;
  private final BpfMap guard;
  private final BpfMap excluded;
  private final BpfMap drops;
  private final BpfMap leases;
  private final BpfMap yields;
  private final int possibleCpus;

  private DataplaneObject(Pointer obj, String pinDir) {
    NativeLibraries.Egw egw = NativeLibraries.egw();
    this.obj = obj;
    this.pinDir = pinDir;
    this.possibleCpus = NativeLibraries.libbpf().libbpf_num_possible_cpus();
    this.sources = new BpfMap(MAP_SOURCES, mapFd(egw, MAP_SOURCES), U32_SIZE, U32_SIZE);
    this.routes = new BpfMap(MAP_ROUTES, mapFd(egw, MAP_ROUTES), ROUTE_KEY_SIZE, U32_SIZE);
    this.egresses = new BpfMap(MAP_EGRESSES, mapFd(egw, MAP_EGRESSES), U32_SIZE, EGRESS_SIZE);
    // per-CPU values: one struct per possible CPU, each rounded up to 8 bytes
    this.counters =
        new BpfMap(MAP_COUNTERS, mapFd(egw, MAP_COUNTERS), U32_SIZE, COUNTERS_SIZE * possibleCpus);
    this.state = new BpfMap(MAP_STATE, mapFd(egw, MAP_STATE), U32_SIZE, STATE_SIZE);
    this.guard = new BpfMap(MAP_GUARD, mapFd(egw, MAP_GUARD), GUARD_KEY_SIZE, U32_SIZE);
    // same key layout as egw_guard (struct egw_guard_key)
    this.excluded = new BpfMap(MAP_EXCLUDED, mapFd(egw, MAP_EXCLUDED), GUARD_KEY_SIZE, U32_SIZE);
    this.drops =
        new BpfMap(MAP_DROPS, mapFd(egw, MAP_DROPS), U32_SIZE, COUNTERS_SIZE * possibleCpus);
    this.leases = new BpfMap(MAP_LEASES, mapFd(egw, MAP_LEASES), U32_SIZE, LEASE_SIZE);
    this.yields = new BpfMap(MAP_YIELDS, mapFd(egw, MAP_YIELDS), U32_SIZE, YIELD_SIZE);
  }

  private int mapFd(NativeLibraries.Egw egw, String name) {
    return (int) DataplaneException.check(egw.egw_map_fd(obj, name), "map fd of " + name);
  }

  /**
   * Opens, configures and loads the object; maps are created under pinDir or reused from there.
   *
   * @param nodeIp this node's address on the shared segment (decides "this node is the gateway")
   */
  public static DataplaneObject load(String pinDir, int nodeIp, Capacities capacities) {
    NativeLibraries.Egw egw = NativeLibraries.egw();
    Pointer obj = egw.egw_open(pinDir);
    if (obj == null) {
      throw new DataplaneException("cannot open the BPF object (pin directory " + pinDir + ")");
    }
    try {
      egw.egw_set_node_ip(obj, NetworkByteOrder.asNativeU32(nodeIp));
      DataplaneException.check(
          egw.egw_set_max_entries(obj, MAP_SOURCES, capacities.sources()), "size " + MAP_SOURCES);
      DataplaneException.check(
          egw.egw_set_max_entries(obj, MAP_ROUTES, capacities.routes()), "size " + MAP_ROUTES);
      DataplaneException.check(
          egw.egw_set_max_entries(obj, MAP_EGRESSES, capacities.egresses()),
          "size " + MAP_EGRESSES);
      DataplaneException.check(
          egw.egw_set_max_entries(obj, MAP_GUARD, capacities.guard()), "size " + MAP_GUARD);
      DataplaneException.check(
          egw.egw_set_max_entries(obj, MAP_EXCLUDED, capacities.excluded()),
          "size " + MAP_EXCLUDED);
      // indexed by egress id: the egress capacity sizes it (one setting, not a second number);
      // per-CPU, so it costs egresses x 16 B x possible CPUs
      DataplaneException.check(
          egw.egw_set_max_entries(obj, MAP_COUNTERS, capacities.egresses()),
          "size " + MAP_COUNTERS);
      DataplaneException.check(
          egw.egw_load(obj),
          "load of the BPF object (pinned maps under " + pinDir + " with other capacities?)");
      return new DataplaneObject(obj, pinDir);
    } catch (RuntimeException e) {
      egw.egw_close(obj);
      throw e;
    }
  }

  public int programFd(String name) {
    return (int)
        DataplaneException.check(NativeLibraries.egw().egw_prog_fd(obj, name), "program " + name);
  }

  public long programId(String name) {
    return DataplaneException.check(
        NativeLibraries.egw().egw_obj_id(programFd(name)), "id of program " + name);
  }

  /**
   * Attaches program at our tc handle/priority on ifindex unless it is already there.
   *
   * @return true when an attachment was made (or replaced)
   */
  public boolean ensureAttached(int ifindex, boolean ingress, String program) {
    NativeLibraries.Egw egw = NativeLibraries.egw();
    long attached = egw.egw_tc_query(ifindex, ingress ? 1 : 0);
    if (attached == programId(program)) {
      return false;
    }
    DataplaneException.check(
        egw.egw_tc_attach(ifindex, ingress ? 1 : 0, programFd(program)),
        "tc attach of " + program + " to ifindex " + ifindex);
    return true;
  }

  /** How a program is attached to the uplink: see {@link #ensureUplinkAttached}. */
  public enum Attachment {
    /** Already there: nothing done. */
    PRESENT,
    /** Attached (or switched to this process's program) as a pinned tcx link. */
    TCX,
    /** Attached as a classic tc filter on the clsact qdisc (a kernel without tcx). */
    CLASSIC
  }

  /**
   * Attaches program to the uplink's hook through a tcx bpf_link pinned under the pin directory
   * (kernel 6.6+), falling back to a classic tc filter where tcx is missing. A tcx link does not
   * belong to the clsact qdisc, so deleting that qdisc (a CNI restart, an operator's {@code tc
   * qdisc del}) leaves steering in place; the classic filter an older agent left is removed so the
   * program does not run twice.
   */
  public Attachment ensureUplinkAttached(int ifindex, boolean ingress, String program) {
    NativeLibraries.Egw egw = NativeLibraries.egw();
    int dir = ingress ? 1 : 0;
    String pin = pinDir + "/link_" + program + (ingress ? "_ingress" : "_egress");
    int rc = egw.egw_tcx_attach(ifindex, dir, programFd(program), (int) programId(program), pin);
    if (rc >= 0) {
      if (egw.egw_tc_query(ifindex, dir) > 0) {
        egw.egw_tc_detach(ifindex, dir);
      }
      return rc == 0 ? Attachment.PRESENT : Attachment.TCX;
    }
    // no tcx on this kernel (EINVAL, EOPNOTSUPP, ...): the classic filter still steers, but a
    // deleted clsact qdisc takes it along until the agent's next pass puts it back
    if (!tcxUnavailableLogged) {
      tcxUnavailableLogged = true;
      LOG.warn(
          "tcx attach of " + program + " failed (errno " + -rc + "): using a classic tc filter");
    }
    return ensureAttached(ifindex, ingress, program) ? Attachment.CLASSIC : Attachment.PRESENT;
  }

  public BpfMap sources() {
    return sources;
  }

  public BpfMap routes() {
    return routes;
  }

  public BpfMap egresses() {
    return egresses;
  }

  public BpfMap counters() {
    return counters;
  }

  public BpfMap state() {
    return state;
  }

  public BpfMap guard() {
    return guard;
  }

  /** egw_excluded: destinations never steered (key as egw_guard). */
  public BpfMap excluded() {
    return excluded;
  }

  public BpfMap drops() {
    return drops;
  }

  /** egw_leases: floating IP -> this node's lease on it (agent-written). */
  public BpfMap leases() {
    return leases;
  }

  /** egw_yields: floating IP -> the last claim of it by another host (BPF-written). */
  public BpfMap yields() {
    return yields;
  }

  /** Every map of the object, in a fixed order. */
  public java.util.List<BpfMap> maps() {
    return java.util.List.of(
        sources, routes, egresses, counters, state, guard, excluded, drops, leases, yields);
  }

  public int possibleCpus() {
    return possibleCpus;
  }

  @Override
  public void close() {
    NativeLibraries.egw().egw_close(obj);
  }
}

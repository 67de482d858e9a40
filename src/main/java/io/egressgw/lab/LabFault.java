package io.egressgw.lab;

import io.egressgw.lab.LabPlan.LabNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * One fault the chaos harness injects into the running lab, aimed at the node that holds the egress
 * IP (the target) when the cycle starts. Each fault is injected, held, then healed; the harness
 * watches the invariants throughout ({@link LabInvariants}).
 *
 * <p>Left out: a step of the controller's clock. A JVM reads the wall clock from the kernel's
 * CLOCK_REALTIME, which is one per machine (time namespaces offset only the monotonic and boot
 * clocks, and only before a process enters them); stepping it would step every process on this
 * shared machine, outside the lab. Faking it inside the JVM (an LD_PRELOAD time library) would test
 * the library rather than the controller, so the harness does not pretend to: under libfaketime
 * 0.9.10 (a step file re-read each second, monotonic clocks left alone) a 500 ms {@code
 * Thread.sleep} took 650-760 ms and a JVM's start eight times longer (2026-12-02). What stands
 * instead: the controller's only clock is a {@code time.MonotonicClock}, and {@code
 * ArchitectureTest} refuses wall-clock reads in the controller, placement and policy code.
 */
enum LabFault {
  /**
   * The holder's agent is SIGKILLed and its link cut at the bridge: the node is gone. Healed as a
   * reboot: the agent first, then the link.
   */
  HOLDER_DEATH("holder-death", Duration.ofSeconds(3), true),
  /** The holder's agent is SIGKILLed (a crash, an OOM kill); its link stays up. */
  AGENT_KILL("agent-kill", Duration.ofSeconds(5), true),
  /** The holder's agent is SIGSTOPped for 2 s (a long pause), then continued. */
  AGENT_STOP("agent-stop", Duration.ofSeconds(2), true),
  /** The controller is SIGKILLed and started again at once. */
  CONTROLLER_RESTART("controller-restart", Duration.ZERO, false),
  /**
   * The controller is SIGSTOPped for 1 s (a long GC pause, a starved or frozen container), then
   * continued: it must declare nobody Down for the pause (issue 12: "a controller paused for 1 s
   * moves nothing").
   */
  CONTROLLER_STOP("controller-stop", Duration.ofSeconds(1), false),
  /**
   * The controller is SIGKILLed and stays down for 20 s (agents fail static: they keep their
   * floating IPs); then the router's neighbour table is flushed, so that egress works only if
   * someone still answers ARP.
   */
  CONTROLLER_OUTAGE("controller-outage", Duration.ofSeconds(20), false),
  /**
   * The Kubernetes API is unreachable for 60 s: its process is SIGSTOPped, so requests hang as on a
   * dropping network while the controller runs. The controller cannot renew its Lease and stops
   * leading, so agents fail static; then the router's neighbour table is flushed, as for
   * controller-outage. Healed with SIGCONT.
   */
  API_OUTAGE("api-outage", Duration.ofSeconds(60), false),
  /**
   * The holder is cut from the controller only: its relay to the controller's socket is stopped, so
   * its heartbeats and polls hang as on a dropping network; the LAN is untouched.
   */
  PARTITION("partition", Duration.ofSeconds(3), true),
  /** The holder's link is cut at the bridge; its agent runs and still reaches the controller. */
  LAN_CUT("lan-cut", Duration.ofSeconds(3), true);

  private final String label;
  private final Duration hold;
  private final boolean isolatesTargetsPods;

  LabFault(String label, Duration hold, boolean isolatesTargetsPods) {
    this.label = label;
    this.hold = hold;
    this.isolatesTargetsPods = isolatesTargetsPods;
  }

  String label() {
    return label;
  }

  /** How long the fault lasts before it is healed. */
  Duration hold() {
    return hold;
  }

  /**
   * Whether the target node's own pods lose egress by design while the fault lasts, so that their
   * outage is not judged (issue 12 bounds the outage of selected pods elsewhere): the node is off
   * the segment (holder-death, lan-cut), or its agent is dead, paused or cut from the controller
   * (agent-kill, agent-stop, partition) and so cannot learn that its floating IP moved: its pods'
   * traffic is still marked for SNAT here, and dropped because the lease lapsed or yielded (fail
   * closed), until the agent gets the new program.
   */
  boolean isolatesTargetsPods() {
    return isolatesTargetsPods;
  }

  /**
   * Whether the fault hits only the control plane (controller or Kubernetes API), so that the
   * floating IP must stay where it was: the agents fail static, and the controller that comes back
   * (or a new leader) keeps the placement it finds (issue 12: a pause, a restart, a leader change
   * moves nothing). A mix moves nothing only if each of its faults does.
   */
  boolean movesNothing() {
    return this == CONTROLLER_RESTART
        || this == CONTROLLER_STOP
        || this == CONTROLLER_OUTAGE
        || this == API_OUTAGE;
  }

  static Optional<LabFault> byLabel(String label) {
    return Arrays.stream(values()).filter(f -> f.label.equals(label)).findFirst();
  }

  /** Injects the fault. */
  void inject(Lab lab, LabNode target) {
    switch (this) {
      case HOLDER_DEATH -> {
        lab.signalAgent(target, "KILL");
        lab.setLanLink(target, false);
      }
      case AGENT_KILL -> lab.signalAgent(target, "KILL");
      case AGENT_STOP -> lab.signalAgent(target, "STOP");
      case CONTROLLER_RESTART, CONTROLLER_OUTAGE -> lab.killController();
      case CONTROLLER_STOP -> lab.signalController("STOP");
      case API_OUTAGE -> lab.signalKubeApi("STOP");
      case PARTITION -> lab.partition(target, true);
      case LAN_CUT -> lab.setLanLink(target, false);
    }
  }

  /**
   * What happens at the end of the hold, before healing; answers how long to keep watching before
   * the heal.
   */
  Duration beforeHeal(Lab lab) {
    if (this == CONTROLLER_OUTAGE || this == API_OUTAGE) {
      lab.flushRouterNeighbours();
      return Duration.ofSeconds(3);
    }
    return Duration.ZERO;
  }

  /** Heals the fault: what was cut is restored, what was killed is started again. */
  void heal(Lab lab, LabNode target) throws Exception {
    switch (this) {
      case HOLDER_DEATH -> {
        // As a node that reboots: its agent starts (and learns it holds nothing now) before the
        // node is back on the segment. A link that returns before the agent is the mix
        // lan-cut+agent-kill.
        lab.ensureAgent(target);
        lab.awaitAgentReady(target, Duration.ofSeconds(60));
        lab.setLanLink(target, true);
      }
      case AGENT_KILL -> lab.ensureAgent(target);
      case AGENT_STOP -> lab.signalAgent(target, "CONT");
      case CONTROLLER_RESTART, CONTROLLER_OUTAGE -> {
        if (!lab.controllerAlive()) {
          lab.startController(Duration.ofSeconds(90));
        }
        // the next fault must not land in the new leader's grace, when nobody is declared Down
        // by design (a CI run's agent-kill did: detected 1.8 s late)
        lab.awaitControllerLeadingPastGrace(Duration.ofSeconds(30));
      }
      case CONTROLLER_STOP -> lab.signalController("CONT");
      case API_OUTAGE -> lab.signalKubeApi("CONT");
      case PARTITION -> lab.partition(target, false);
      case LAN_CUT -> lab.setLanLink(target, true);
    }
  }
}

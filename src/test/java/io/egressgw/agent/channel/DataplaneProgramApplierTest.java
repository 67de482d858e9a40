package io.egressgw.agent.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.egressgw.agent.ApplyResult;
import io.egressgw.agent.NodeDataplane;
import io.egressgw.dataplane.CapacityExceededException;
import io.egressgw.program.NodeProgram;
import io.egressgw.program.NodeReport.PolicyCounters;
import io.egressgw.program.ProgramDelta;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A program over capacity is reported and not retried until the controller sends another. */
class DataplaneProgramApplierTest {

  /** A dataplane that refuses programs with more than one source, as a full map would. */
  static final class SmallDataplane implements NodeDataplane {
    int applies;
    String error;
    long applied;
    ProgramDelta lastDelta;

    @Override
    public ApplyResult apply(NodeProgram program, ProgramDelta delta) {
      lastDelta = delta;
      return apply(program);
    }

    @Override
    public ApplyResult apply(NodeProgram program) {
      applies++;
      if (program.sources().size() > 1) {
        error = CapacityExceededException.REASON + ": sources " + program.sources().size() + " > 1";
        throw new CapacityExceededException("sources " + program.sources().size() + " > 1");
      }
      error = null;
      applied = program.generation();
      return new ApplyResult(program.generation(), 1, 0, 0, 0);
    }

    @Override
    public long appliedGeneration() {
      return applied;
    }

    @Override
    public String nodeIP() {
      return "10.77.0.1";
    }

    @Override
    public List<String> subnets() {
      return List.of();
    }

    @Override
    public List<String> heldFloatingIPs() {
      return List.of();
    }

    @Override
    public Map<String, PolicyCounters> counters() {
      return Map.of();
    }

    @Override
    public long guardDrops() {
      return 0;
    }

    @Override
    public String applyError() {
      return error;
    }

    @Override
    public int reconcileInterfaces() {
      return 0;
    }

    @Override
    public void releaseFloatingIPs() {}

    @Override
    public void close() {}
  }

  static NodeProgram program(long generation, int pods) {
    Map<String, Integer> sources = new java.util.HashMap<>();
    for (int i = 0; i < pods; i++) {
      sources.put("10.244.1." + (i + 2), 0);
    }
    return new NodeProgram("n1", generation, sources, Map.of(), Map.of(), List.of(), List.of());
  }

  @Test
  void aProgramOverCapacityIsReportedAndNotRetriedUntilANewGenerationArrives() {
    SmallDataplane dataplane = new SmallDataplane();
    DataplaneProgramApplier applier = new DataplaneProgramApplier(dataplane, "n1");
    applier.apply(program(1, 1));

    assertThrows(CapacityExceededException.class, () -> applier.apply(program(2, 3)));
    for (int retry = 0; retry < 10; retry++) {
      assertThrows(CapacityExceededException.class, () -> applier.apply(program(2, 3)));
    }

    assertEquals(2, dataplane.applies, "the retries of generation 2 never reached the dataplane");
    assertEquals(1, applier.appliedGeneration(), "the last program stays");
    assertEquals("CapacityExceeded: sources 3 > 1", dataplane.report("n1", "a").applyError());
    applier.apply(program(3, 1));
    assertEquals(3, dataplane.applies);
    assertEquals(null, dataplane.report("n1", "a").applyError());
  }

  @Test
  void theDeltaAProgramWasMadeFromReachesTheDataplane() {
    SmallDataplane dataplane = new SmallDataplane();
    DataplaneProgramApplier applier = new DataplaneProgramApplier(dataplane, "n1");
    NodeProgram base = program(1, 0);
    NodeProgram next = program(2, 1);
    ProgramDelta delta = ProgramDelta.between(base, next);
    applier.apply(base);

    applier.apply(next, delta);

    assertEquals(delta, dataplane.lastDelta);
    assertEquals(2, applier.appliedGeneration());
  }
}

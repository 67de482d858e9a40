package io.egressgw;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of docs/ARCHITECTURE.md, checked on the main classes:
 *
 * <ul>
 *   <li>no cycles between the top-level packages;
 *   <li>the model, validation, the controller-agent protocol, addresses, placement and the policy
 *       compiler are plain code, free of the Kubernetes client, JAX-RS and jnr;
 *   <li>placement and the compiler take plain records: not even fabric8's model or Quarkus;
 *   <li>the controller never imports the agent's packages (both speak {@code program}); only the
 *       agent reaches the dataplane.
 * </ul>
 *
 * <p>One exception: fabric8 declares the custom resource base class, {@code CustomResource}, in the
 * client package although it is model (the CRD generator needs it), so api.v1 may extend it.
 */
@AnalyzeClasses(packages = "io.egressgw", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] PURE = {
    "io.egressgw.api..",
    "io.egressgw.validation..",
    "io.egressgw.program..",
    "io.egressgw.net..",
    "io.egressgw.placement..",
    "io.egressgw.policy.."
  };

  private static final DescribedPredicate<JavaClass> CLIENT_EXCEPT_CUSTOM_RESOURCE =
      DescribedPredicate.describe(
          "in io.fabric8.kubernetes.client.. (except the model base class CustomResource)",
          c ->
              c.getPackageName().startsWith("io.fabric8.kubernetes.client")
                  && !c.getName().equals("io.fabric8.kubernetes.client.CustomResource"));

  @ArchTest
  static final ArchRule topLevelPackagesAreFreeOfCycles =
      slices().matching("io.egressgw.(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule pureCodeUsesNoKubernetesClient =
      noClasses()
          .that()
          .resideInAnyPackage(PURE)
          .should()
          .dependOnClassesThat(CLIENT_EXCEPT_CUSTOM_RESOURCE);

  @ArchTest
  static final ArchRule pureCodeUsesNoJaxRs =
      noClasses()
          .that()
          .resideInAnyPackage(PURE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("jakarta.ws.rs..");

  @ArchTest
  static final ArchRule pureCodeUsesNoJnr =
      noClasses()
          .that()
          .resideInAnyPackage(PURE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("jnr..");

  @ArchTest
  static final ArchRule enginesTakePlainRecordsOnly =
      noClasses()
          .that()
          .resideInAnyPackage("io.egressgw.placement..", "io.egressgw.policy..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.fabric8..", "io.egressgw.api..", "io.quarkus..");

  @ArchTest
  static final ArchRule validationDoesNotReachIntoTheEdges =
      noClasses()
          .that()
          .resideInAPackage("io.egressgw.validation..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.egressgw.rest..",
              "io.egressgw.kube..",
              "io.egressgw.controller..",
              "io.egressgw.agent..");

  @ArchTest
  static final ArchRule theControllerDoesNotImportTheAgent =
      noClasses()
          .that()
          .resideInAnyPackage("io.egressgw.controller..", "io.egressgw.bootstrap..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.egressgw.agent..");

  @ArchTest
  static final ArchRule onlyTheAgentReachesTheDataplane =
      noClasses()
          .that()
          .resideOutsideOfPackages("io.egressgw.agent..", "io.egressgw.dataplane..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.egressgw.dataplane..");

  /**
   * Issue 12: "a +2 s clock step moves nothing". The controller, placement and the policy compiler
   * take time from the injected {@code Clock}, a {@code time.MonotonicClock} ({@code
   * ControllerClock}), never from the wall clock, which a step would move: no {@code now(..)} of
   * any java.time class, no {@code Clock.system*}, no {@code System.currentTimeMillis}, no {@code
   * new Date()}, whether called or passed as a method reference. (fabric8's leader election, a
   * library, reads the wall clock itself: docs/ARCHITECTURE.md "Controller time is monotonic".)
   */
  private static final DescribedPredicate<JavaAccess<?>> WALL_CLOCK =
      DescribedPredicate.describe(
          "a read of the wall clock",
          a -> {
            AccessTarget t = a.getTarget();
            String owner = t.getOwner().getName();
            String name = t.getName();
            return (owner.startsWith("java.time.") && name.equals("now"))
                || (owner.equals("java.time.Clock") && name.startsWith("system"))
                || (owner.equals("java.lang.System") && name.equals("currentTimeMillis"))
                || (owner.equals("java.util.Date")
                    && name.equals("<init>")
                    && t instanceof AccessTarget.CodeUnitAccessTarget c
                    && c.getRawParameterTypes().isEmpty());
          });

  @ArchTest
  static final ArchRule theControllerNeverReadsTheWallClock =
      noClasses()
          .that()
          .resideInAnyPackage(
              "io.egressgw.controller..", "io.egressgw.placement..", "io.egressgw.policy..")
          .should()
          .accessTargetWhere(WALL_CLOCK)
          .because("a wall-clock step must move no heartbeat age, grace period or failover timer");
}

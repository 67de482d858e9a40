package io.egressgw;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of docs/ARCHITECTURE.md: the model, validation, wire model, placement and policy
 * compiler are plain code, free of the Kubernetes client, JAX-RS and jnr.
 *
 * <p>One exception: fabric8 declares the custom resource base class, {@code CustomResource}, in
 * the client package although it is model (the CRD generator needs it), so api.v1 may extend it.
 */
@AnalyzeClasses(packages = "io.egressgw", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] PURE = {
    "io.egressgw.api..", "io.egressgw.validation..", "io.egressgw.program..", "io.egressgw.placement..", "io.egressgw.policy.."
  };

  private static final DescribedPredicate<JavaClass> CLIENT_EXCEPT_CUSTOM_RESOURCE =
      DescribedPredicate.describe(
          "in io.fabric8.kubernetes.client.. (except the model base class CustomResource)",
          c -> c.getPackageName().startsWith("io.fabric8.kubernetes.client")
              && !c.getName().equals("io.fabric8.kubernetes.client.CustomResource"));

  @ArchTest
  static final ArchRule pureCodeUsesNoKubernetesClient =
      noClasses().that().resideInAnyPackage(PURE).should().dependOnClassesThat(CLIENT_EXCEPT_CUSTOM_RESOURCE);

  @ArchTest
  static final ArchRule pureCodeUsesNoJaxRs =
      noClasses().that().resideInAnyPackage(PURE).should().dependOnClassesThat().resideInAPackage("jakarta.ws.rs..");

  @ArchTest
  static final ArchRule pureCodeUsesNoJnr =
      noClasses().that().resideInAnyPackage(PURE).should().dependOnClassesThat().resideInAPackage("jnr..");

  @ArchTest
  static final ArchRule validationDoesNotReachIntoTheEdges =
      noClasses()
          .that().resideInAPackage("io.egressgw.validation..")
          .should().dependOnClassesThat()
          .resideInAnyPackage("io.egressgw.rest..", "io.egressgw.kube..", "io.egressgw.controller..", "io.egressgw.agent..");
}

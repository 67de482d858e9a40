package io.egressgw.policy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The placement and policy engines stay pure: no Kubernetes client, no JAX-RS, no jnr, no fabric8
 * resource classes as inputs (the controller adapts them into plain records).
 */
class PureEnginesLayeringTest {

  @Test
  void enginesImportNoEdgeLibraries() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.egressgw.placement", "io.egressgw.policy");

    noClasses()
        .that()
        .resideInAnyPackage("io.egressgw.placement..", "io.egressgw.policy..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8..", "jakarta.ws.rs..", "jnr..", "io.egressgw.api..", "io.quarkus..")
        .check(classes);
  }
}

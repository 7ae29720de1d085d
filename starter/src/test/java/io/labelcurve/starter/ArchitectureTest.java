package io.labelcurve.starter;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure docs/ARCHITECTURE.md describes, checked on the compiled main code of every
 * module (the starter sees them all): no package cycles, activity implementations only in the
 * adapter package, and the workflow module free of I/O libraries. A cycle means two packages can
 * only be understood, tested and moved together; this keeps their number at zero.
 */
final class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.labelcurve");
  }

  @Test
  void noPackageDependsOnItselfThroughOthers() {
    slices().matching("io.labelcurve.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void activityImplementationsLiveInTheAdapterPackage() {
    classes()
        .that()
        .haveSimpleNameEndingWith("ActivitiesImpl")
        .should()
        .resideInAPackage("io.labelcurve.activities.adapter")
        .check(main);
  }

  @Test
  void noLibraryPackageDependsOnTheAdapters() {
    noClasses()
        .that()
        .resideInAPackage("io.labelcurve.activities..")
        .and()
        .resideOutsideOfPackage("io.labelcurve.activities.adapter")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.labelcurve.activities.adapter")
        .check(main);
  }

  @Test
  void workflowsDoNoIo() {
    noClasses()
        .that()
        .resideInAPackage("io.labelcurve.workflows..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.io..", "java.nio.file..", "java.net..", "software.amazon..", "ai.djl..")
        .check(main);
  }
}

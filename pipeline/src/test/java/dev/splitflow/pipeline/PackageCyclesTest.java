package dev.splitflow.pipeline;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * No package cycle among the pipeline module's main classes: packages that depend on each other in
 * a circle can only be read, changed and tested together, which the flow in docs/architecture.md
 * ("Where things live") is meant to prevent. Reads the compiled classes, so a dependency through a
 * compile-time constant (inlined by javac) is not seen.
 */
class PackageCyclesTest {
  @Test
  void mainPackagesDependOnEachOtherWithoutACycle() {
    JavaClasses main =
        new ClassFileImporter()
            .importUrl(SplitPipeline.class.getProtectionDomain().getCodeSource().getLocation());
    Set<String> packages = main.stream().map(JavaClass::getPackageName).collect(Collectors.toSet());
    assertTrue(packages.size() > 1, "read fewer than two main packages: " + packages);

    slices().matching("dev.splitflow.(**)").should().beFreeOfCycles().check(main);
  }
}

package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.PackageRules;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Every package of the serving module has a package-info.java that says what it must not import, and its sources keep
 * to it: the rules are read from the "Must not import:" paragraph of each package-info (see testkit's PackageRules), so
 * the documentation cannot drift from the code.
 */
class PackageRulesTest {
  @Test
  void everyPackageSaysWhatItMustNotImportAndKeepsToIt() {
    assertThat(PackageRules.violations(Path.of("src/main/java/dev/tandem/serving"), "dev.tandem.serving")).isEmpty();
  }
}

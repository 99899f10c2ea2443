package dev.tandem.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.PackageRules;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every package of the trainer says in its package-info what it must not import, and keeps to it. */
class PackageRulesTest {
  @Test
  void everyPackageSaysWhatItMustNotImportAndKeepsToIt() {
    assertThat(PackageRules.violations(Path.of("src/main/java/dev/tandem/trainer"), "dev.tandem.trainer")).isEmpty();
  }

  /** The checker itself: a forbidden reference in code is found, one in a comment is not. */
  @Test
  void qualifiedNamesAreFoundInCodeOnly() {
    String src = "import org.nd4j.Foo;\n/** see {@link org.apache.spark.Bar} */ class X { dev.tandem.cli.Y y; } // org.apache.spark.Z";
    assertThat(PackageRules.references(src)).containsExactly("org.nd4j", "dev.tandem.cli");
  }
}

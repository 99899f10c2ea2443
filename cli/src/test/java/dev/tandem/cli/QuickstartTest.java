package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quickstart, shrunk by overrides, ends with a recommendation served through the registry's production alias. */
class QuickstartTest {
  @TempDir
  Path dir;

  @Test
  void endsWithARecommendationThroughTheRegistry() {
    String before = System.getProperty("tandem.root");
    System.setProperty("tandem.root", TestData.repositoryRoot().toString());
    try {
      CliRunner.Result r = CliRunner.run("quickstart", "--work", dir.toString(), "--set", "dataset.source.users=200", "--set",
          "dataset.source.items=120", "--set", "dataset.source.events=6000", "--set", "train.epochs=1");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("== exported both models to the registry: quickstart v1")
          .contains("production of quickstart: (new) -> v1")
          .contains("== recommend --model ").contains("quickstart@production --user ")
          .contains("quickstart v1 (production) for user ")
          .containsPattern("\\n +10 +i[0-9]+ ");
    } finally {
      if (before == null) {
        System.clearProperty("tandem.root");
      } else {
        System.setProperty("tandem.root", before);
      }
    }
  }
}

package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.split.SplitName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluations are kept per split; a run evaluated by an earlier version (one eval.json) is read for the split it names. */
class RunDirectoryTest {
  @TempDir
  Path dir;

  @Test
  void eachSplitHasItsOwnEvaluationFile() {
    RunDirectory run = RunDirectory.at(dir.toString());
    run.writeJson(run.eval(SplitName.TEST), Map.of("split", "test", "recall@10", 0.1));
    run.writeJson(run.eval(SplitName.VALIDATION), Map.of("split", "validation", "recall@10", 0.2));
    assertThat(Files.exists(dir.resolve("eval-test.json"))).isTrue();
    assertThat(Files.exists(dir.resolve("eval-validation.json"))).isTrue();
    assertThat(run.readEval(SplitName.TEST).orElseThrow().scores().values().get("recall@10")).isEqualTo(0.1);
    assertThat(run.readEval(SplitName.VALIDATION).orElseThrow().scores().values().get("recall@10")).isEqualTo(0.2);
    assertThat(run.readEval(SplitName.TRAIN)).isEmpty();
  }

  @Test
  void anOlderRunsEvalJsonCountsOnlyForTheSplitItNames() throws Exception {
    Path test = dir.resolve("test-run");
    Files.createDirectories(test);
    Files.writeString(test.resolve("eval.json"), "{\"format\": 1, \"split\": \"test\", \"recall@10\": 0.3}");
    RunDirectory a = RunDirectory.at(test.toString());
    assertThat(a.readEval(SplitName.TEST).orElseThrow().scores().values().get("recall@10")).isEqualTo(0.3);
    assertThat(a.readEval(SplitName.VALIDATION)).isEmpty();

    Path validation = dir.resolve("validation-run");
    Files.createDirectories(validation);
    Files.writeString(validation.resolve("eval.json"), "{\"format\": 1, \"split\": \"validation\", \"recall@10\": 0.4}");
    RunDirectory b = RunDirectory.at(validation.toString());
    assertThat(b.readEval(SplitName.TEST)).as("validation metrics are never taken for test metrics").isEmpty();
    assertThat(b.readEval(SplitName.VALIDATION).orElseThrow().scores().values().get("recall@10")).isEqualTo(0.4);
    // a per-split file wins over the old one
    b.writeJson(b.eval(SplitName.VALIDATION), Map.of("split", "validation", "recall@10", 0.5));
    assertThat(b.readEval(SplitName.VALIDATION).orElseThrow().scores().values().get("recall@10")).isEqualTo(0.5);
  }
}

package dev.tandem.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.progress.Progress;
import dev.tandem.testing.NewerFiles;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose files a newer Tandem wrote (each JSON file with a field this version does not know) still loads:
 * {@code run.json}, {@code best.json}, and every JSON file of a checkpoint, its manifest included. Also: the provenance
 * records the runtime that computed the numbers.
 */
class ForwardCompatibilityTest {
  @TempDir
  Path dir;

  @Test
  void runAndCheckpointFilesTolerateAnAddedField() throws Exception {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("logistic", 1), dir);
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    FsCheckpointStore store = new FsCheckpointStore(run.checkpoints());
    Checkpoint before = store.latestGood().orElseThrow();
    String bestBefore = store.best().orElseThrow();

    Path runDir = Path.of(run.root().toUri());
    NewerFiles.addUnknownField(runDir.resolve("run.json"));
    NewerFiles.addUnknownField(runDir.resolve("checkpoints/best.json"));
    Path cp = runDir.resolve("checkpoints").resolve(before.id());
    ObjectNode manifest = (ObjectNode) Persisted.json().readTree(Files.readAllBytes(cp.resolve("checkpoint.json")));
    for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = manifest.get("files").fields(); it.hasNext(); ) {
      Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> f = it.next();
      if (f.getKey().endsWith(".json")) {
        byte[] bytes = NewerFiles.addUnknownField(cp.resolve(f.getKey()));
        ((ObjectNode) f.getValue()).put("bytes", bytes.length).put("sha256", Checksums.sha256(bytes));
      }
    }
    Files.write(cp.resolve("checkpoint.json"), NewerFiles.addUnknownField(Persisted.json().writeValueAsBytes(manifest)));

    assertThat(run.readInfo().status()).isEqualTo("finished");
    assertThat(store.best()).contains(bestBefore);
    Checkpoint after = store.load(before.id());
    assertThat(after.state()).isEqualTo(before.state());
    assertThat(after.spec()).isEqualTo(before.spec());
    assertThat(after.transform()).isEqualTo(before.transform());
    assertThat(after.provenance()).isEqualTo(before.provenance());
    assertThat(after.provenance().runtime()).isEqualTo(NumericsRuntime.current());
    assertThat(after.graph().params()).isEqualTo(before.graph().params());
  }

  @Test
  void provenanceRecordsTheRuntimeOfTheNumerics() {
    NumericsRuntime rt = NumericsRuntime.current();
    assertThat(rt.java()).isEqualTo(System.getProperty("java.version"));
    assertThat(rt.arch()).isEqualTo(System.getProperty("os.arch"));
    assertThat(rt.dl4j()).isEqualTo("1.0.0-M2.1");
    assertThat(rt.nd4jBackend()).startsWith("nd4j-native");
    assertThat(rt.nd4jBackendVersion()).isEqualTo("1.0.0-M2.1");
    assertThat(rt.device()).isEqualTo("cpu");
  }
}

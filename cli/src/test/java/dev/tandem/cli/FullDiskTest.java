package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.fs.Fs;
import dev.tandem.testing.FullDisk;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.train.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up (a Hadoop file system that fails writes beyond its free space as the local one does: an
 * {@code FSError}, no path) under every command that writes. Each reports the failed write in one line naming the path
 * and the operation and exits 1; a training run is marked failed in run.json, and resumes once there is room again
 * to the same parameters as a run that never failed.
 */
class FullDiskTest {
  @TempDir
  Path dir;

  @BeforeEach
  void install() {
    FullDisk.install();
  }

  @AfterEach
  void room() {
    FullDisk.unlimited();
  }

  static final String JOB = """
      name: disk
      seed: 5
      dataset:
        source: {format: synthetic, users: 200, items: 120, events: 8000, days: 30, seed: 4, dir: synth}
        label: "watch_seconds >= 30"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
      model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8}
      train: {epochs: 2, batch_size: 64, learning_rate: 0.005, checkpoint_every: 8, keep_checkpoints: 10, early_stopping: {patience: 0}}
      """;

  private static void assertOneLine(CliRunner.Result r, String operation, String under) {
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
    assertThat(r.err()).startsWith("error: cannot " + operation + " " + under).contains(FullDisk.NO_SPACE);
  }

  @Test
  void trainFailsInOneLineMarksTheRunFailedAndResumesOnceThereIsRoom() throws Exception {
    Path job = dir.resolve("job.yaml");
    Files.writeString(job, JOB);
    String cache = dir.resolve("cache").toString();
    String straight = dir.resolve("straight").toString();
    CliRunner.Result a = CliRunner.run("train", "--config", job.toString(), "--run", straight, "--cache", cache);
    assertThat(a.exit()).as(a.err()).isZero();
    FsCheckpointStore straightStore = new FsCheckpointStore(RunDirectory.at(straight).checkpoints());
    long checkpoint = FullDisk.sizeOf(Path.of(straight, "checkpoints", straightStore.list().get(0)));

    // room for the run's small files (and recording its failure) and one checkpoint and a half: the second checkpoint fills the disk
    Path full = dir.resolve("full");
    String run = FullDisk.uri(full);
    FullDisk.setFree(checkpoint * 3 / 2 + 60_000);
    CliRunner.Result r = CliRunner.run("train", "--config", job.toString(), "--run", run, "--cache", cache);
    assertOneLine(r, "write", Fs.path(run) + "/checkpoints/");
    RunDirectory.Info info = RunDirectory.at(run).readInfo();
    assertThat(info.status()).isEqualTo(RunDirectory.FAILED);
    assertThat(info.error()).contains(FullDisk.NO_SPACE).contains(Fs.path(run) + "/checkpoints/");
    assertThat(info.stopReason()).startsWith("failed: cannot write ");
    FsCheckpointStore store = new FsCheckpointStore(RunDirectory.at(run).checkpoints());
    assertThat(store.list()).isNotEmpty().hasSizeLessThan(straightStore.list().size() + 1);

    FullDisk.unlimited(); // space freed
    CliRunner.Result resumed = CliRunner.run("train", "--resume", run);
    assertThat(resumed.exit()).as(resumed.err()).isZero();
    assertThat(RunDirectory.at(run).readInfo().status()).isEqualTo(RunDirectory.FINISHED);
    assertThat(RunDirectory.at(run).readInfo().error()).isNull();
    Checkpoint x = straightStore.latestGood().orElseThrow();
    Checkpoint y = store.latestGood().orElseThrow();
    assertThat(y.state().globalStep()).isEqualTo(x.state().globalStep());
    assertThat(y.graph().params()).isEqualTo(x.graph().params());

    // export, promote and offline recommendations onto a full disk: one line each
    String registry = FullDisk.uri(dir.resolve("registry"));
    FullDisk.setFree(30_000);
    CliRunner.Result export = CliRunner.run("export", "--run", straight, "--registry", registry, "--name", "recs");
    assertOneLine(export, "write", Fs.path(registry) + "/recs/");
    FullDisk.unlimited();
    CliRunner.Result exported = CliRunner.run("export", "--run", straight, "--registry", registry, "--name", "recs");
    assertThat(exported.exit()).as(exported.err()).isZero();
    FullDisk.setFree(0);
    assertOneLine(CliRunner.run("registry", "promote", registry + "/recs@v1", "--alias", "production"), "write",
        Fs.path(registry) + "/recs/aliases/");
    String top = FullDisk.uri(dir.resolve("out/top.csv"));
    assertOneLine(CliRunner.run("recommend", "--model", registry + "/recs@v1", "--all-users", "--out", top), "write",
        Fs.path(FullDisk.uri(dir.resolve("out"))) + "/");

    // data prepare onto a full disk, and --verbose adds the stack trace
    FullDisk.setFree(10_000);
    String prepared = FullDisk.uri(dir.resolve("prepared"));
    assertOneLine(CliRunner.run("data", "prepare", "--config", job.toString(), "--out", prepared), "write", Fs.path(FullDisk.uri(dir)) + "/");
    CliRunner.Result verbose = CliRunner.run("data", "prepare", "--config", job.toString(), "--out", prepared, "--verbose");
    assertThat(verbose.exit()).isEqualTo(1);
    assertThat(verbose.err()).startsWith("error: cannot write ").contains("\tat dev.tandem.fs.Fs");
  }
}

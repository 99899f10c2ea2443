package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.testing.LogCapture;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.metrics.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** One-thread training is reproducible, and resuming from a checkpoint continues exactly where it left off. */
class TrainingLoopTest {
  @TempDir
  Path dir;

  /** A step runner that dies after {@code limit} steps, like a killed process. */
  static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private TrainingLoop loop(ConfigLoader.Loaded<JobConfig> job, PreparedDataset ds, RunDirectory run, EpochRunner steps) {
    JobConfig c = job.value();
    return new TrainingLoop(new TrainingLoop.Setup(c.name(), LocalTrainer.spec(c, ds), c.train(), c.eval(), c.seed(), ds, run,
        job.toYaml(), Datasets.configSha(job), Progress.NONE, steps));
  }

  private static INDArray finalParams(RunDirectory run) {
    FsCheckpointStore store = new FsCheckpointStore(run.checkpoints());
    Checkpoint c = store.latestGood().orElseThrow();
    assertThat(c.state().finished()).isTrue();
    return c.graph().params();
  }

  @Test
  void interruptedAndResumedRunEndsWithTheSameParametersAsAnUninterruptedOne() {
    for (String yaml : List.of(SmallJobs.twoTower(2), SmallJobs.ranking("dcn", 2))) {
      ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(yaml, dir);
      PreparedDataset ds = SmallJobs.dataset(job, dir);
      String name = job.value().model().type().key();

      RunDirectory straight = RunDirectory.at(dir.resolve(name + "-straight").toString());
      int every = job.value().train().checkpointEvery();
      TrainingState a = loop(job, ds, straight, new SerialEpochs(every)).run(false);
      assertThat(a.finished()).isTrue();

      RunDirectory broken = RunDirectory.at(dir.resolve(name + "-broken").toString());
      // crash mid-epoch 2, a few steps after a step checkpoint
      EpochRunner dying = new SerialEpochs(every, step -> {
        if (step >= a.globalStep() - 7) {
          throw new Crash();
        }
      });
      assertThatThrownBy(() -> loop(job, ds, broken, dying).run(false)).isInstanceOf(Crash.class);
      Checkpoint last = new FsCheckpointStore(broken.checkpoints()).latestGood().orElseThrow();
      assertThat(last.state().epoch()).isEqualTo(1);
      assertThat(last.state().stepInEpoch()).isPositive();
      TrainingState b = loop(job, ds, broken, new SerialEpochs(every)).run(true);

      assertThat(b.globalStep()).isEqualTo(a.globalStep());
      assertThat(finalParams(broken)).as(name).isEqualTo(finalParams(straight));
      assertThat(b.history()).hasSameSizeAs(a.history());
      Metric metric = loop(job, ds, broken, new SerialEpochs(every)).metric();
      assertThat(b.history().get(1).value(metric)).isEqualTo(a.history().get(1).value(metric));
    }
  }

  @Test
  void aDamagedLatestCheckpointIsRefusedAndThePreviousOneIsUsed() throws Exception {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(1), dir, "train.checkpoint_every=10", "train.keep_checkpoints=5");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    loop(job, ds, run, new SerialEpochs(10)).run(false);
    FsCheckpointStore store = new FsCheckpointStore(run.checkpoints());
    List<String> ids = store.list();
    assertThat(ids.size()).isGreaterThanOrEqualTo(3);
    String latest = ids.get(ids.size() - 1);
    Path model = dir.resolve("run/checkpoints").resolve(latest).resolve("model.zip");
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(model, bytes);
    assertThatThrownBy(() -> store.load(latest))
        .isInstanceOf(dev.tandem.fs.CorruptDataException.class)
        .hasMessageContaining(latest)
        .hasMessageContaining("model.zip")
        .hasMessageContaining("checksum mismatch");
    assertThat(store.latestGood().orElseThrow().id()).isEqualTo(ids.get(ids.size() - 2));
    // an incomplete checkpoint (no manifest: the writer died before finishing) is skipped too
    Files.delete(dir.resolve("run/checkpoints").resolve(ids.get(ids.size() - 2)).resolve("checkpoint.json"));
    assertThat(store.latestGood().orElseThrow().id()).isEqualTo(ids.get(ids.size() - 3));
  }

  /** A run crashed in its second epoch, after step checkpoints and a best.json, beside one that was not. */
  private record Crashed(ConfigLoader.Loaded<JobConfig> job, PreparedDataset ds, RunDirectory straight, RunDirectory broken, int every) {}

  private Crashed crashInSecondEpoch() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(2), dir);
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    int every = job.value().train().checkpointEvery();
    RunDirectory straight = RunDirectory.at(dir.resolve("straight").toString());
    TrainingState a = loop(job, ds, straight, new SerialEpochs(every)).run(false);
    RunDirectory broken = RunDirectory.at(dir.resolve("broken").toString());
    EpochRunner dying = new SerialEpochs(every, step -> {
      if (step >= a.globalStep() - 7) {
        throw new Crash();
      }
    });
    assertThatThrownBy(() -> loop(job, ds, broken, dying).run(false)).isInstanceOf(Crash.class);
    return new Crashed(job, ds, straight, broken, every);
  }

  @Test
  void aDamagedBestJsonIsRebuiltFromTheCheckpointsAndTheRunResumes() throws Exception {
    Crashed c = crashInSecondEpoch();
    FsCheckpointStore store = new FsCheckpointStore(c.broken().checkpoints());
    String best = store.best().orElseThrow();
    Path bestJson = dir.resolve("broken/checkpoints/best.json");
    // one changed character: still JSON, still a plausible id, but not the one that was written
    Files.writeString(bestJson, Files.readString(bestJson).replace(best, best.substring(0, best.length() - 1) + "9"));

    try (LogCapture log = new LogCapture("dev.tandem")) {
      assertThat(store.best()).contains(best);
      assertThat(log.messages(Level.WARN)).anySatisfy(m -> assertThat(m).contains(bestJson.toString()).contains("damaged")
          .contains("checksum mismatch").contains("rebuilt"));
    }
    assertThat(Files.readString(bestJson)).contains(best); // and written back whole

    Files.writeString(bestJson, "{\"format\": 2, \"id\": \"ckpt-00"); // truncated: not even JSON
    TrainingState b = loop(c.job(), c.ds(), c.broken(), new SerialEpochs(c.every())).run(true);
    assertThat(b.finished()).isTrue();
    assertThat(finalParams(c.broken())).isEqualTo(finalParams(c.straight()));
    assertThat(store.best()).isEqualTo(new FsCheckpointStore(c.straight().checkpoints()).best());
  }

  @Test
  void whenEveryCheckpointIsDamagedResumingRefusesUnlessAFreshStartIsAsked() throws Exception {
    Crashed c = crashInSecondEpoch();
    FsCheckpointStore store = new FsCheckpointStore(c.broken().checkpoints());
    List<String> ids = store.list();
    assertThat(ids).hasSizeGreaterThanOrEqualTo(2);
    for (String id : ids) {
      Path model = dir.resolve("broken/checkpoints").resolve(id).resolve("model.zip");
      byte[] bytes = Files.readAllBytes(model);
      bytes[bytes.length / 3] ^= 0x10;
      Files.write(model, bytes);
    }
    assertThatThrownBy(() -> loop(c.job(), c.ds(), c.broken(), new SerialEpochs(c.every())).run(true))
        .isInstanceOf(dev.tandem.fs.CorruptDataException.class)
        .hasMessageStartingWith(c.broken().checkpoints() + ": every checkpoint is damaged, so tt cannot resume:")
        .satisfies(e -> {
          for (String id : ids) {
            assertThat(e.getMessage()).contains(id + ": " + c.broken().checkpoints() + "/" + id + "/model.zip: checksum mismatch");
          }
        })
        .hasMessageContaining("tandem train --resume " + c.broken().root() + " --fresh");
    assertThat(store.list()).isEqualTo(ids); // nothing was touched

    TrainingState again = loop(c.job(), c.ds(), c.broken(), new SerialEpochs(c.every())).run(true, true);
    assertThat(again.finished()).isTrue();
    assertThat(finalParams(c.broken())).as("started over from scratch, so it ends where an uninterrupted run does")
        .isEqualTo(finalParams(c.straight()));
    try (java.util.stream.Stream<Path> s = Files.list(dir.resolve("broken"))) {
      Path aside = s.filter(p -> p.getFileName().toString().startsWith("checkpoints-damaged-")).findFirst().orElseThrow();
      assertThat(aside.resolve(ids.get(0))).exists();
    }
  }

  @Test
  void runJsonSaysWhyTrainingStopped() {
    ConfigLoader.Loaded<JobConfig> all = SmallJobs.load(SmallJobs.ranking("logistic", 2), dir);
    PreparedDataset ds = SmallJobs.dataset(all, dir);
    RunDirectory a = RunDirectory.at(dir.resolve("all").toString());
    new LocalTrainer().train(new RunRequest(all, a, ds, false, Progress.NONE));
    assertThat(a.readInfo().status()).isEqualTo(RunDirectory.FINISHED);
    assertThat(a.readInfo().stopReason()).isEqualTo("completed all 2 epochs");
    assertThat(a.readInfo().error()).isNull();

    // the first epoch always improves on nothing; no later one can improve AUC by a whole 1.0
    ConfigLoader.Loaded<JobConfig> early = SmallJobs.load(SmallJobs.ranking("logistic", 5), dir, "train.early_stopping.patience=1",
        "train.early_stopping.min_delta=1.0");
    RunDirectory e = RunDirectory.at(dir.resolve("early").toString());
    new LocalTrainer().train(new RunRequest(early, e, ds, false, Progress.NONE));
    assertThat(e.readInfo().status()).isEqualTo(RunDirectory.FINISHED);
    assertThat(e.readInfo().stopReason())
        .isEqualTo("early stopping after epoch 2 of 5: no val_auc improvement for 1 epoch (patience 1, min_delta 1.0)");
    assertThat(e.readMetrics()).hasSize(2);

    ConfigLoader.Loaded<JobConfig> timed = SmallJobs.load(SmallJobs.ranking("logistic", 3), dir, "train.max_minutes=0.00001");
    RunDirectory t = RunDirectory.at(dir.resolve("timed").toString());
    new LocalTrainer().train(new RunRequest(timed, t, ds, false, Progress.NONE));
    assertThat(t.readInfo().stopReason()).startsWith("time limit: train.max_minutes 1.0E-5 reached after epoch 1 of 3");
    assertThat(t.readMetrics()).hasSize(1);

    // a failure is recorded with its error, and rethrown
    LocalTrainer failing = new LocalTrainer() {
      @Override
      protected EpochRunner epochRunner(RunRequest req, dev.tandem.trainer.model.ModelSpec spec) {
        return new SerialEpochs(0, step -> {
          if (step == 3) {
            throw new IllegalStateException("the loss became NaN at epoch 1, step 3");
          }
        });
      }
    };
    RunDirectory f = RunDirectory.at(dir.resolve("failed").toString());
    assertThatThrownBy(() -> failing.train(new RunRequest(all, f, ds, false, Progress.NONE))).hasMessageContaining("NaN");
    assertThat(f.readInfo().status()).isEqualTo(RunDirectory.FAILED);
    assertThat(f.readInfo().error()).isEqualTo("the loss became NaN at epoch 1, step 3");
    assertThat(f.readInfo().stopReason()).isEqualTo("failed: the loss became NaN at epoch 1, step 3");
  }

  @Test
  void keepsTheLastKCheckpointsPlusTheBest() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("logistic", 4), dir, "train.checkpoint_every=5", "train.keep_checkpoints=2");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    loop(job, ds, run, new SerialEpochs(5)).run(false);
    FsCheckpointStore store = new FsCheckpointStore(run.checkpoints());
    String best = store.best().orElseThrow();
    List<String> ids = store.list();
    assertThat(ids).contains(best);
    assertThat(ids.size()).isLessThanOrEqualTo(3);
    assertThat(Fs.exists(run.metrics())).isTrue();
    assertThat(run.readMetrics()).hasSize(4);
    assertThat(Fs.exists(run.curves())).isTrue();
  }

  @Test
  void epochsBeforeStartFromEpochAreNeitherBestNorCountedTowardPatience() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(3), dir, "train.early_stopping.patience=1",
        "train.early_stopping.start_from_epoch=2");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve("warm").toString());
    TrainingState s = loop(job, ds, run, new SerialEpochs(0)).run(false);

    // patience 1 would have stopped after epoch 2 had epoch 1 been watched and not beaten; all 3 epochs ran
    assertThat(s.history()).hasSize(3);
    assertThat(s.history().get(0).improved()).isFalse();
    assertThat(s.history().get(1).improved()).isFalse();
    assertThat(s.history().get(2).improved()).isTrue();
    assertThat(s.bestCheckpoint()).isEqualTo(FsCheckpointStore.idFor(s.history().get(2).step()));
  }

  @Test
  void startFromEpochMustLeaveAnEpochToWatch() {
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(3), dir, "train.early_stopping.start_from_epoch=3"))
        .hasMessageContaining("train.early_stopping.start_from_epoch");
  }
}

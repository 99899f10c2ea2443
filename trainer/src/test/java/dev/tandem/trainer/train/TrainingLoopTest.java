package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.checkpoint.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
      String metric = "val_" + loop(job, ds, broken, new SerialEpochs(every)).metricName();
      assertThat(b.history().get(1).get(metric)).isEqualTo(a.history().get(1).get(metric));
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
    assertThat(s.history().get(0).get("improved")).isEqualTo(false);
    assertThat(s.history().get(1).get("improved")).isEqualTo(false);
    assertThat(s.history().get(2).get("improved")).isEqualTo(true);
    assertThat(s.bestCheckpoint()).isEqualTo(FsCheckpointStore.idFor((Long) s.history().get(2).get("step")));
  }

  @Test
  void startFromEpochMustLeaveAnEpochToWatch() {
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(3), dir, "train.early_stopping.start_from_epoch=3"))
        .hasMessageContaining("train.early_stopping.start_from_epoch");
  }
}

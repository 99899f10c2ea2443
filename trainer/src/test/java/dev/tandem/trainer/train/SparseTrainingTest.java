package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Metric;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training with the embedding tables beside the network: it learns, reports its tables, and resumes exactly. */
class SparseTrainingTest {
  static final String BESIDE = "model.embeddings.store=in_process";

  @TempDir
  Path dir;

  @Test
  void aTwoTowerWithItsTablesBesideTheNetworkBeatsPopularityAndReportsItsTables() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(6), dir, BESIDE);
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve("tt").toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    EvaluationResult r = Evaluation.evaluate(run, ds, SplitName.TEST, job.value().eval(), "best");
    double model = r.scores().value(Metric.recall(10));
    double pop = r.baseline().scores().value(Metric.recall(10));
    assertThat(model).as("recall@10 model %s vs popularity %s", model, pop).isGreaterThan(1.5 * pop);

    EpochMetrics last = run.readMetrics().get(run.readMetrics().size() - 1);
    assertThat(((Number) last.field("embeddings_user_rows")).longValue()).isPositive();
    assertThat(((Number) last.field("embeddings_item_admitted")).longValue()).isPositive();
    assertThat(((Number) last.field("embeddings_user_evicted")).longValue()).isZero();
    // 8 floats of row and 16 of lazy Adam moments: 96 bytes ideal
    assertThat(((Number) last.field("embeddings_user_ideal_bytes_per_row")).longValue()).isEqualTo(96);
    assertThat(((Number) last.field("embeddings_user_bytes_per_row")).doubleValue()).isGreaterThan(96);
  }

  @Test
  void aFullTableAdmitsAfterRepeatedSightingsEvictsAndCountsIt() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(1), dir, BESIDE, "model.embeddings.admit_after=3",
        "model.embeddings.capacity=120", "model.embeddings.eviction=lfu");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    RunDirectory run = RunDirectory.at(dir.resolve("small").toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    EpochMetrics last = run.readMetrics().get(0);
    for (String t : List.of("user", "item")) {
      long rows = ((Number) last.field("embeddings_" + t + "_rows")).longValue();
      long admitted = ((Number) last.field("embeddings_" + t + "_admitted")).longValue();
      long evicted = ((Number) last.field("embeddings_" + t + "_evicted")).longValue();
      long refused = ((Number) last.field("embeddings_" + t + "_refused")).longValue();
      assertThat(rows).as(t).isLessThanOrEqualTo(120).isPositive();
      assertThat(admitted - evicted).as(t + ": every admitted row is held or was evicted").isEqualTo(rows);
      assertThat(refused).as(t + ": ids seen fewer than 3 times are refused").isPositive();
    }
    // the user table (300 users + countries) overflows 120 rows
    assertThat(((Number) last.field("embeddings_user_evicted")).longValue()).isPositive();
  }

  @Test
  void anInterruptedRunResumesToTheSameParametersAndRows() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("dcn", 2), dir, BESIDE, "model.embeddings.capacity=200",
        "model.embeddings.admit_after=2");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    JobConfig c = job.value();
    int every = c.train().checkpointEvery();
    RunDirectory straight = RunDirectory.at(dir.resolve("straight").toString());
    TrainingState a = loop(job, ds, straight, new SerialEpochs(every)).run(false);
    RunDirectory broken = RunDirectory.at(dir.resolve("broken").toString());
    EpochRunner dying = new SerialEpochs(every, step -> {
      if (step >= a.globalStep() - 5) {
        throw new TrainingLoopTest.Crash();
      }
    });
    assertThatThrownBy(() -> loop(job, ds, broken, dying).run(false)).isInstanceOf(TrainingLoopTest.Crash.class);
    Checkpoint mid = new FsCheckpointStore(broken.checkpoints()).latestGood().orElseThrow();
    assertThat(mid.state().stepInEpoch()).isPositive();
    assertThat(mid.sparse()).isNotNull();
    TrainingState b = loop(job, ds, broken, new SerialEpochs(every)).run(true);
    assertThat(b.globalStep()).isEqualTo(a.globalStep());

    Checkpoint x = new FsCheckpointStore(straight.checkpoints()).latestGood().orElseThrow();
    Checkpoint y = new FsCheckpointStore(broken.checkpoints()).latestGood().orElseThrow();
    assertThat(y.graph().params()).isEqualTo(x.graph().params());
    assertThat(y.sparse().trainingGraph().getUpdater().getStateViewArray()).isEqualTo(x.sparse().trainingGraph().getUpdater().getStateViewArray());
    InProcessEmbeddingStore sx = (InProcessEmbeddingStore) x.sparse().embeddings().store();
    InProcessEmbeddingStore sy = (InProcessEmbeddingStore) y.sparse().embeddings().store();
    assertThat(sy.ids(0)).isEqualTo(sx.ids(0));
    assertThat(sy.stats()).isEqualTo(sx.stats());
    assertThat(sx.stats().get(0).evicted()).isPositive();
    // what evaluation and export read: the usual in-network model
    assertThat(x.spec().config().embeddings().beside()).isFalse();
    assertThat(x.graph().getLayer("x_emb").getParam("W").rows()).isEqualTo(x.spec().query().tableSize());
    assertThat(b.history().get(1).value(Metric.AUC)).isEqualTo(a.history().get(1).value(Metric.AUC));
  }

  @Test
  void theInProcessStoreRefusesSeveralWorkers() {
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(1), dir, BESIDE, "train.workers=2"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.embeddings.store");
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.ranking("dlrm", 1), dir, BESIDE))
        .isInstanceOf(ConfigException.class).hasMessageContaining("embeddings.store");
  }

  private TrainingLoop loop(ConfigLoader.Loaded<JobConfig> job, PreparedDataset ds, RunDirectory run, EpochRunner steps) {
    JobConfig c = job.value();
    return new TrainingLoop(new TrainingLoop.Setup(c.name(), LocalTrainer.spec(c, ds), c.train(), c.eval(), c.seed(), ds, run,
        job.toYaml(), Datasets.configSha(job), Progress.NONE, steps));
  }
}

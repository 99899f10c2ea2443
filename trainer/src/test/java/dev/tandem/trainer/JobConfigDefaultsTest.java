package dev.tandem.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.format.Persisted;
import dev.tandem.trainer.eval.EvalConfig;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key a job leaves out gets its default from the section's factory, also where the record holds a primitive (which
 * Jackson alone would fill with 0): the defaults of the job reference, and the same values whether a section is absent,
 * empty or built in code.
 */
class JobConfigDefaultsTest {
  @TempDir
  Path dir;

  private JobConfig load(String sections) {
    return SmallJobs.load(SmallJobs.DATASET + sections, dir).value();
  }

  @Test
  void keysLeftOutGetTheDocumentedDefaults() {
    JobConfig job = load("model: {type: two_tower}\ntrain: {}\n");
    assertThat(job.name()).isEqualTo("job");
    assertThat(job.seed()).isEqualTo(42L);
    TrainConfig t = job.train();
    assertThat(List.of(t.epochs(), t.batchSize(), t.warmupSteps(), t.checkpointEvery(), t.keepCheckpoints(), t.workers(), t.evalBatchUsers()))
        .containsExactly(10, 512, 0, 0, 3, 1, 256);
    assertThat(List.of(t.learningRate(), t.minLearningRate(), t.weightDecay(), t.gradientClip())).containsExactly(0.001, 0.0, 0.0, 0.0);
    assertThat(t.optimizer()).isEqualTo(TrainConfig.Optimizer.ADAM);
    assertThat(t.decay()).isEqualTo(TrainConfig.Decay.NONE);
    assertThat(t.refit()).isFalse();
    assertThat(t.baselineEpochs()).isNull();
    assertThat(t.maxMinutes()).isNull();
    assertThat(t.earlyStopping()).isEqualTo(new TrainConfig.EarlyStopping(null, 3, 0.0, 0));
    assertThat(t).isEqualTo(TrainConfig.DEFAULT);
    assertThat(job.eval()).isEqualTo(new EvalConfig(List.of(10, 50, 100), 10)).isEqualTo(EvalConfig.DEFAULT);
    assertThat(job.cluster()).isEqualTo(new ClusterSection(ClusterSection.Mode.LOCAL, null, null, 1e-3, 1e-4, 1e-2, 5.0, 2, null))
        .isEqualTo(ClusterSection.LOCAL);
    ModelConfig m = job.model();
    assertThat(List.of(m.embeddingDim(), m.outputDim())).containsExactly(16, 32);
    assertThat(m.hidden()).containsExactly(64);
    assertThat(m.temperature()).isEqualTo(0.2);
    assertThat(m.logqCorrection()).isTrue();
    assertThat(m.removeAccidentalHits()).isTrue();
    assertThat(m.dropout()).isZero();
    assertThat(m.ordinal()).isFalse();
    assertThat(m.featureDropout()).isEmpty();
    assertThat(m.architecture()).isNull();
    assertThat(m.crossLayers()).isNull();
  }

  @Test
  void eachModelFamilyGetsItsOwnDefaultsOnly() {
    ModelConfig ranking = load("model: {type: ranking}\n").model();
    assertThat(ranking.architecture()).isEqualTo(ModelConfig.Architecture.DCN);
    assertThat(ranking.crossLayers()).isEqualTo(2);
    assertThat(ranking.outputDim()).isNull();
    assertThat(ranking.temperature()).isNull();
    assertThat(ranking.logqCorrection()).isNull();
    assertThat(ranking.embeddingDim()).isEqualTo(16);
  }

  @Test
  void aPersistedModelSectionReadsBackEqual() {
    for (ModelConfig m : List.of(load("model: {type: two_tower, feature_dropout: {user_id: 0.2}}\n").model(),
        load("model: {type: ranking, architecture: dlrm, ordinal: false}\n").model(), ModelConfig.logisticBaseline())) {
      assertThat(Persisted.read(Persisted.write(m, 1), ModelConfig.class, 1, "model.json")).isEqualTo(m);
    }
    assertThat(Persisted.json().convertValue(ModelConfig.logisticBaseline(), Map.class))
        .containsEntry("embedding_dim", 1).containsEntry("cross_layers", 0).containsEntry("output_dim", null);
  }
}

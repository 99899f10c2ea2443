package dev.tandem.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.TrainConfig;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class ModelsTest {
  @TempDir
  Path dir;

  @Test
  void everyRankingArchitectureTrainsAndPredictsProbabilities() {
    for (String arch : new String[] {"dcn", "dlrm", "wide_deep", "logistic"}) {
      for (String ordinal : new String[] {"false", "true"}) {
        ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking(arch, 1), dir, "model.ordinal=" + ordinal);
        PreparedDataset ds = SmallJobs.dataset(job, dir);
        ModelSpec spec = LocalTrainer.spec(job.value(), ds);
        RankingModel m = RankingModel.create(spec, job.value().train(), 1, 10);
        Examples train = Examples.of(ds, ds.read(SplitName.TRAIN));
        int[] idx = new int[64];
        for (int i = 0; i < idx.length; i++) {
          idx[i] = i * 7;
        }
        double before = Double.NaN;
        for (int s = 0; s < 20; s++) {
          m.graph().fit(m.batch(train, idx, s));
          if (s == 0) {
            before = m.graph().score();
          }
        }
        assertThat(m.graph().score()).as(arch + " ordinal=" + ordinal + ": the loss falls on a repeated batch").isLessThan(before);
        float[] p = m.predict(train, idx);
        assertThat(p).hasSize(64);
        for (float x : p) {
          assertThat(x).isBetween(0f, 1f);
        }
        if (ordinal.equals("true")) {
          assertThat(spec.targets().count()).isGreaterThan(1);
          assertThat(spec.targets().thresholds().get(spec.targets().main())).isEqualTo(30.0);
        }
      }
    }
  }

  @Test
  void towersComputeTheSameVectorsAsTheFullGraph() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(1), dir);
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    ModelSpec spec = ModelSpec.of(job.value().model(), ds.transform());
    Examples pos = Examples.of(ds, ds.read(SplitName.TRAIN)).positives();
    TwoTowerModel m = TwoTowerModel.create(spec, TrainConfig.DEFAULT, 3, 10, TwoTowerModel.itemLogq(pos, ds.items().size()));
    int[] idx = {0, 1, 2, 3, 4};
    m.graph().fit(m.batch(pos, idx, 0));
    INDArray merged = m.graph().feedForward(m.batch(pos, idx, 0).getFeatures(), false).get("pair");
    int[] users = new int[idx.length];
    int[] items = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      users[i] = pos.events().user()[idx[i]];
      items[i] = pos.events().item()[idx[i]];
    }
    ComputationGraph ut = m.tower(TwoTowerModel.Part.USER);
    ComputationGraph it = m.tower(TwoTowerModel.Part.ITEM);
    INDArray u = TwoTowerModel.vectors(ut, spec.query(), ds.transform(), ds.users().encoded(), Entity.USER, users, 100);
    INDArray v = TwoTowerModel.vectors(it, spec.item(), ds.transform(), ds.items().encoded(), Entity.ITEM, items, 100);
    // feature dropout is training-only: batch(…, 0) may have hidden some ids, so compare rows without dropout
    INDArray again = m.graph().feedForward(spec.query().arrays(idx.length, pos.rows(idx)).length == 1
        ? concat(spec.query().arrays(idx.length, pos.rows(idx)), spec.item().arrays(idx.length, pos.rows(idx)))
        : concat(spec.query().arrays(idx.length, pos.rows(idx)), spec.item().arrays(idx.length, pos.rows(idx))), false).get("pair");
    assertThat(again.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)).equalsWithEps(u, 1e-5)).isTrue();
    assertThat(again.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(8, 16)).equalsWithEps(v, 1e-5)).isTrue();
    assertThat(merged.shape()).containsExactly(5, 16);
    // unit vectors: scores are cosine similarities
    assertThat(u.norm2(1).getDouble(0)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));
  }

  private static INDArray[] concat(INDArray[] a, INDArray[] b) {
    INDArray[] out = new INDArray[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void modelConfigurationErrorsNameTheKey() {
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(1), dir, "model.cross_layers=2"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.cross_layers");
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(1), dir, "model.temperature=-1"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.temperature");
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.ranking("dcn", 1), dir, "model.architecture=transformer"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.architecture");
    // the model's references to the dataset's features are checked when the job is loaded, before any data is read
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(1), dir, "model.item_features=[item_id, country]"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.item_features").hasMessageContaining("country");
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(1), dir, "model.feature_dropout={tags: 0.5}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.feature_dropout.tags");
    PreparedDataset ds = SmallJobs.dataset(SmallJobs.load(SmallJobs.ranking("dcn", 1), dir), dir);
    ConfigLoader.Loaded<JobConfig> ada = SmallJobs.load(SmallJobs.ranking("dcn", 1), dir, "train.optimizer=adagrad", "train.decay=cosine");
    assertThatThrownBy(() -> RankingModel.create(LocalTrainer.spec(ada.value(), ds), ada.value().train(), 1, 10))
        .isInstanceOf(ConfigException.class).hasMessageContaining("train.optimizer").hasMessageContaining("adagrad");
    // attention over the history needs a candidate (ranking, dcn) and a history_items feature
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.twoTower(1), dir, "model.history_pooling=attention"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.history_pooling").hasMessageContaining("candidate");
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.ranking("wide_deep", 1), dir, "model.history_pooling=attention"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.history_pooling").hasMessageContaining("dcn");
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.ranking("dcn", 1), dir, "model.history_dropout=1.5"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.history_dropout").hasMessageContaining("[0, 1)");
    ConfigLoader.Loaded<JobConfig> noHistory = SmallJobs.load(SmallJobs.ranking("dcn", 1), dir, "model.history_pooling=attention");
    assertThatThrownBy(() -> LocalTrainer.spec(noHistory.value(), ds))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model.history_pooling").hasMessageContaining("history_items");
  }
}

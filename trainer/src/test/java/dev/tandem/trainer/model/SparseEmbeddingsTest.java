package dev.tandem.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.train.SerialEpochs;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tables beside the network receive exactly the update the in-network table would: a step of each, from the same
 * parameters, ends with the same rows and the same dense parameters, for every optimizer (on a first step lazy Adam and
 * Adam coincide: every moment starts at zero) and with gradient clipping.
 */
class SparseEmbeddingsTest {
  @TempDir
  Path dir;

  @Test
  void aStepBesideTheNetworkEqualsAStepInsideIt() {
    for (List<String> overrides : List.of(List.of("train.optimizer=sgd", "train.learning_rate=0.5"),
        List.of("train.optimizer=adagrad", "train.learning_rate=0.05"), List.of("train.optimizer=adam"),
        List.of("train.optimizer=adam", "train.gradient_clip=0.001"))) {
      List<String> all = new java.util.ArrayList<>(List.of("train.warmup_steps=0", "train.decay=none"));
      all.addAll(overrides);
      ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(1), dir, all.toArray(new String[0]));
      PreparedDataset ds = SmallJobs.dataset(job, dir);
      ModelSpec inside = ModelSpec.of(job.value().model(), ds.transform());
      ModelSpec beside = new ModelSpec(inside.config().withEmbeddings(EmbeddingsConfig.of(EmbeddingsConfig.Store.IN_PROCESS, null, null, null,
          null, null, null)), inside.query(), inside.item(), inside.targets());
      Examples pos = Examples.of(ds, ds.read(SplitName.TRAIN)).positives();
      float[] logq = TwoTowerModel.itemLogq(pos, ds.items().size());
      TwoTowerModel a = TwoTowerModel.create(inside, job.value().train(), 5, 100, logq);
      TwoTowerModel b = TwoTowerModel.create(beside, job.value().train(), 5, 100, logq);
      // the same starting point: b's dense layers and rows copied from a
      for (Layer l : b.graph().getLayers()) {
        if (l.numParams() > 0) {
          l.setParams(a.graph().getLayer(l.conf().getLayer().getLayerName()).params().dup());
        }
      }
      InProcessEmbeddingStore store = (InProcessEmbeddingStore) b.sparse().store();
      INDArray[] before = {a.graph().getLayer("user_emb").getParam("W").dup(), a.graph().getLayer("item_emb").getParam("W").dup()};
      for (int t = 0; t < 2; t++) {
        for (int id = 0; id < before[t].rows(); id++) {
          store.assign(t, id, before[t].getRow(id).toFloatVector());
        }
      }
      int[] idx = new int[128];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = i * 3;
      }
      SerialEpochs.step(a, pos, idx, 0, 9);
      SerialEpochs.step(b, pos, idx, 0, 9);
      assertThat(b.graph().score()).as("%s", overrides).isCloseTo(a.graph().score(), within(1e-6));
      RecommenderModel plain = b.sparse().inNetwork(b);
      assertThat(plain.spec()).isEqualTo(inside);
      for (Layer l : a.graph().getLayers()) {
        String name = l.conf().getLayer().getLayerName();
        if (l.numParams() > 0) {
          float[] x = l.params().toFloatVector();
          float[] y = plain.graph().getLayer(name).params().toFloatVector();
          for (int i = 0; i < x.length; i++) {
            assertThat(y[i]).as("%s %s[%d]", overrides, name, i).isCloseTo(x[i], within(2e-6f));
          }
        }
      }
      int changed = 0;
      float[] w0 = before[0].dup('c').data().asFloat();
      float[] w1 = a.graph().getLayer("user_emb").getParam("W").dup('c').data().asFloat();
      for (int i = 0; i < w0.length; i++) {
        changed += w0[i] != w1[i] ? 1 : 0;
      }
      assertThat(changed).as("the step moved some rows").isPositive();
    }
  }

  @Test
  void refusesTablesWhoseIdsFloatInputsCannotCarry() {
    InputGroup huge = new InputGroup("user", List.of("user_id"), new int[] {0}, SparseEmbeddings.MAX_IDS + 1, List.of(), new int[0], 0,
        List.of(), new int[] {0}, List.of(), new int[0], 0, null, null, null, null);
    ModelConfig c = ModelConfig.of(ModelConfig.Type.TWO_TOWER, 4, List.of(8), 8, null, null, null, null, null, null, null, null, null, null,
        null, null, EmbeddingsConfig.of(EmbeddingsConfig.Store.IN_PROCESS, null, null, null, null, null, null));
    ModelSpec spec = new ModelSpec(c, huge, huge, ModelSpec.Targets.LABEL);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SparseEmbeddings.tables(spec, dev.tandem.trainer.train.TrainConfig.DEFAULT, 1))
        .isInstanceOf(dev.tandem.config.ConfigException.class).hasMessageContaining("16777217 ids");
  }
}

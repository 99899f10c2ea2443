package dev.tandem.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.train.LocalTrainer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Tandem's fast layers are pure speed: a model built from them ends, after the same training steps with the same seed,
 * with exactly the parameters (bit for bit) of the same model built from the reference implementations: DL4J's
 * DenseLayer for {@link Dense}, and ND4J's scatter_add op (what EmbeddingTable used before) for the embedding gradient.
 */
class FastLayersTest {
  @TempDir
  Path dir;

  /** The same graph with DL4J's DenseLayer and the scatter_add embedding gradient: same fields, same parameter layout. */
  static ComputationGraphConfiguration reference(ComputationGraphConfiguration fast) {
    String json = fast.toJson();
    assertThat(json).contains(Dense.class.getName()).contains(EmbeddingTable.class.getName());
    json = json.replace("\"" + Dense.class.getName() + "\"", "\"org.deeplearning4j.nn.conf.layers.DenseLayer\"")
        .replace("\"" + EmbeddingTable.class.getName() + "\"", "\"" + ScatterEmbeddingTable.class.getName() + "\"");
    return ComputationGraphConfiguration.fromJson(json);
  }

  private static void assertSameAfterSteps(String what, RecommenderModel model, ComputationGraph reference, Examples data, int batch, int steps) {
    assertThat(reference.params().toFloatVector()).as(what + ": same initial parameters").containsExactly(model.graph().params().toFloatVector());
    assertThat(reference.getLayer(model.graph().getLayers()[0].conf().getLayer().getLayerName())).isNotNull();
    long dense = java.util.Arrays.stream(model.graph().getLayers()).filter(l -> l instanceof DenseRuntime).count();
    long stock = java.util.Arrays.stream(reference.getLayers()).filter(l -> l instanceof org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer).count();
    assertThat(dense).as(what + ": the fast model uses Dense").isPositive().isEqualTo(stock);
    assertThat(reference.getLayers()).as(what + ": the reference embeds with scatter_add").hasAtLeastOneElementOfType(ScatterLayer.class);
    int[] order = dev.tandem.trainer.train.TrainingLoop.permutation(data.size(), 5, 0);
    for (int s = 0; s < steps; s++) {
      int[] idx = java.util.Arrays.copyOfRange(order, s * batch, (s + 1) * batch);
      MultiDataSet mds = model.batch(data, idx, 1000 + s);
      Nd4j.getRandom().setSeed(1000 + s);
      model.graph().fit(mds);
      Nd4j.getRandom().setSeed(1000 + s);
      reference.fit(mds);
      assertThat(model.graph().score()).as(what + ": score at step " + s).isEqualTo(reference.score());
    }
    assertThat(model.graph().params().toFloatVector()).as(what + ": parameters after " + steps + " steps")
        .containsExactly(reference.params().toFloatVector());
    assertThat(model.graph().getUpdater().getStateViewArray().toFloatVector()).as(what + ": Adam's state")
        .containsExactly(reference.getUpdater().getStateViewArray().toFloatVector());
  }

  @Test
  void rankingModelsTrainExactlyAsWithTheReferenceLayers() {
    for (String[] variant : new String[][] {{"dcn", "model.cross_layers=0", "model.dropout=0.2"}, {"dcn", "model.cross_layers=2", "model.dropout=0"},
        {"dlrm", "model.dropout=0", "model.dropout=0"}, {"wide_deep", "model.dropout=0", "model.dropout=0"}}) {
      ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking(variant[0], 1), dir, variant[1], variant[2], "train.weight_decay=0.0001");
      PreparedDataset ds = SmallJobs.dataset(job, dir);
      ModelSpec spec = LocalTrainer.spec(job.value(), ds);
      RankingModel m = RankingModel.create(spec, job.value().train(), 7, 100);
      ComputationGraph ref = new ComputationGraph(reference(RankingModel.configuration(spec, job.value().train(), 7, 100)));
      ref.init();
      assertSameAfterSteps(String.join(" ", variant), m, ref, Examples.of(ds, ds.read(SplitName.TRAIN)), 64, 8);
    }
  }

  @Test
  void twoTowerTrainsExactlyAsWithTheReferenceLayers() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.twoTower(1), dir, "model.dropout=0.1");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    ModelSpec spec = LocalTrainer.spec(job.value(), ds);
    Examples pos = Examples.of(ds, ds.read(SplitName.TRAIN)).positives();
    float[] logq = TwoTowerModel.itemLogq(pos, ds.items().size());
    TwoTowerModel m = TwoTowerModel.create(spec, job.value().train(), 7, 100, logq);
    ComputationGraph ref = new ComputationGraph(reference(TwoTowerModel.configuration(spec, job.value().train(), 7, 100, TwoTowerModel.Part.FULL)));
    ref.init();
    assertSameAfterSteps("two-tower", m, ref, pos, 64, 8);
  }

  /** EmbeddingTable with the gradient of the previous implementation: ND4J's scatter_add op. */
  public static class ScatterEmbeddingTable extends EmbeddingTable {
    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView,
        boolean initializeParams, DataType dataType) {
      ScatterLayer ret = new ScatterLayer(conf, dataType);
      ret.setListeners(listeners);
      ret.setIndex(layerIndex);
      ret.setParamsViewArray(paramsView);
      Map<String, INDArray> paramTable = initializer().init(conf, paramsView, initializeParams);
      ret.setParamTable(paramTable);
      ret.setConf(conf);
      return ret;
    }
  }

  /** The runtime of {@link ScatterEmbeddingTable}. */
  public static class ScatterLayer extends EmbeddingTableLayer {
    public ScatterLayer(NeuralNetConfiguration conf, DataType dataType) {
      super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
      EmbeddingTable c = layerConf();
      int mb = (int) input.size(0);
      INDArray in = input.dup('c');
      INDArray delta = epsilon.dup('c').reshape('c', (long) mb * c.getLength(), c.getNOut());
      INDArray g = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
      g.assign(0);
      Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(g, Nd4j.createFromArray(in.data().asInt()), delta).addOutputs(g).build());
      Gradient ret = new DefaultGradient();
      ret.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, g);
      return new Pair<>(ret, null);
    }
  }
}

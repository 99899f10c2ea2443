package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.progress.Progress;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Models trained with their embedding tables beside the network export to the usual bundle: serving reads a model with
 * its tables inside the network and recommends exactly what the checkpoint computes.
 */
class StoreBundleTest {
  @TempDir
  Path dir;

  @Test
  void aRunWithItsTablesBesideTheNetworkExportsTheUsualBundle() {
    String beside = "model.embeddings.store=in_process";
    RunDirectory tt = train(Fixtures.TWO_TOWER, beside, "train.epochs=1");
    RunDirectory rk = train(Fixtures.RANKING, beside, "train.epochs=1");
    FsModelRegistry registry = FsModelRegistry.at(dir.resolve("registry").toString());
    BundleExporter.export(registry, "recs", new BundleExporter.Request(tt.root().toString(), "best", rk.root().toString(), "best", null, null));
    ServingBundle bundle = ServingBundle.load(registry, "recs", "v1");

    PreparedDataset ds = PreparedDataset.open(tt.readInfo().datasetPath());
    Checkpoint c = Evaluation.checkpoint(tt, "best");
    assertThat(c.sparse()).isNotNull();
    assertThat(c.spec().config().embeddings().beside()).isFalse();
    TwoTowerModel model = new TwoTowerModel(c.spec(), c.graph(), null);
    ComputationGraph userTower = model.tower(TwoTowerModel.Part.USER);
    INDArray items = TwoTowerModel.vectors(model.tower(TwoTowerModel.Part.ITEM), c.spec().item(), ds.transform(), ds.items().encoded(),
        Entity.ITEM, IntStream.range(0, ds.items().size()).toArray(), 4096);
    List<BitSet> seen = BundleEquivalenceTest.seen(ds);
    ServingConfig retrievalOnly = ServingConfig.defaults()
        .withRetrieval(new ServingConfig.Retrieval(40, ServingConfig.IndexKind.EXACT, null, null))
        .withRules(new ServingConfig.Rules(true, Map.of(), null))
        .withCache(new ServingConfig.Cache(false, null, null))
        .withRanking(new ServingConfig.Ranking(false));
    try (BundleRecommender rec = new BundleRecommender(bundle, retrievalOnly);
        BundleRecommender ranked = new BundleRecommender(bundle)) {
      for (int u = 0; u < ds.users().size(); u += 29) {
        float[] user = TwoTowerModel.vectors(userTower, c.spec().query(), ds.transform(), ds.users().encoded(), Entity.USER, new int[] {u}, 1)
            .toFloatVector();
        int[] top = BundleEquivalenceTest.top(BundleEquivalenceTest.Nd4jDot.scores(user, items), seen.get(u), 10);
        List<String> expected = new ArrayList<>();
        for (int i : top) {
          expected.add(ds.items().id(i));
        }
        assertThat(rec.recommend(RecommendRequest.of(ds.users().id(u), 10)).items()).as("user %d", u).containsExactlyElementsOf(expected);
        assertThat(ranked.recommend(RecommendRequest.of(ds.users().id(u), 10)).items()).hasSize(10);
      }
    }
  }

  private RunDirectory train(String yaml, String... overrides) {
    ConfigLoader.Loaded<JobConfig> job = ConfigLoader.parse(yaml, "test-job.yaml", dir.toString(), JobConfig.class, List.of(overrides));
    PreparedDataset ds = Datasets.resolve(job, dir.resolve("cache").toString(), Progress.NONE);
    RunDirectory run = RunDirectory.at(dir.resolve("runs/" + job.value().name()).toString());
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    return run;
  }
}

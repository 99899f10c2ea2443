package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.VersionManifest;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.TwoTowerModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Recommendations served from a registry bundle equal those computed straight from the training checkpoints with the
 * trainer's own code (towers, offline item vectors, RankingModel.predict on dataset rows): same top-K, same order.
 */
class BundleEquivalenceTest {
  @TempDir
  static Path dir;
  static Fixtures.Runs runs;
  static ServingBundle bundle;
  static final int CANDIDATES = 40;
  static final int K = 10;

  @BeforeAll
  static void export() {
    runs = Fixtures.runs();
    FsModelRegistry registry = FsModelRegistry.at(dir.resolve("registry").toString());
    VersionManifest m = BundleExporter.export(registry, "recs", new BundleExporter.Request(runs.twoTower().root().toString(), "best",
        runs.ranking().root().toString(), "best", null, null));
    bundle = ServingBundle.load(registry, "recs", "v" + m.version());
  }

  private static ServingConfig config(boolean ranking) {
    return ServingConfig.defaults()
        .withRetrieval(new ServingConfig.Retrieval(CANDIDATES, ServingConfig.IndexKind.EXACT, null, null))
        .withRules(new ServingConfig.Rules(true, Map.of(), null))
        .withCache(new ServingConfig.Cache(false, null, null))
        .withRanking(new ServingConfig.Ranking(ranking));
  }

  @Test
  void retrievalAndRankingFromTheBundleEqualTheCheckpoints() {
    PreparedDataset ds = runs.dataset();
    Checkpoint tt = Evaluation.checkpoint(runs.twoTower(), "best");
    Checkpoint rk = Evaluation.checkpoint(runs.ranking(), "best");
    TwoTowerModel model = new TwoTowerModel(tt.spec(), tt.graph(), null);
    ComputationGraph userTower = model.tower(TwoTowerModel.Part.USER);
    int items = ds.items().size();
    INDArray itemVectors = TwoTowerModel.vectors(model.tower(TwoTowerModel.Part.ITEM), tt.spec().item(), ds.transform(),
        ds.items().encoded(), Entity.ITEM, IntStream.range(0, items).toArray(), 4096);
    List<BitSet> seen = seen(ds);
    RankingModel ranking = new RankingModel(rk.spec(), rk.graph());

    try (BundleRecommender ranked = new BundleRecommender(bundle, config(true));
        BundleRecommender retrievalOnly = new BundleRecommender(bundle, config(false))) {
      int compared = 0;
      for (int u = 0; u < ds.users().size(); u += 7) {
        // the trainer's path: the user row of the dataset's encoded table, offline item vectors, a matrix product
        float[] userVector = TwoTowerModel.vectors(userTower, tt.spec().query(), ds.transform(), ds.users().encoded(), Entity.USER,
            new int[] {u}, 1).toFloatVector();
        float[] scores = Nd4jDot.scores(userVector, itemVectors);
        int[] candidates = top(scores, seen.get(u), CANDIDATES);
        float[] probability = ranking.predict(Examples.of(ds, events(ds, u, candidates)), IntStream.range(0, candidates.length).toArray());
        Integer[] order = IntStream.range(0, candidates.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -probability[i]));

        String user = ds.users().id(u);
        Recommendations r = retrievalOnly.recommend(RecommendRequest.of(user, K).withExplain(true));
        assertThat(r.path()).isEqualTo(RecommendationPath.KNOWN);
        List<String> expectedRetrieval = new ArrayList<>();
        for (int i = 0; i < K; i++) {
          expectedRetrieval.add(ds.items().id(candidates[i]));
        }
        assertThat(r.items()).as("retrieval top-%d of user %s", K, user).containsExactlyElementsOf(expectedRetrieval);
        for (int i = 0; i < K; i++) {
          assertThat(r.scores().get(i)).isCloseTo(scores[candidates[i]], org.assertj.core.data.Offset.offset(1e-5));
        }

        Recommendations rr = ranked.recommend(RecommendRequest.of(user, K).withExplain(true));
        List<String> expectedRanked = new ArrayList<>();
        for (int i = 0; i < K; i++) {
          expectedRanked.add(ds.items().id(candidates[order[i]]));
        }
        assertThat(rr.items()).as("ranked top-%d of user %s", K, user).containsExactlyElementsOf(expectedRanked);
        for (int i = 0; i < K; i++) {
          assertThat(rr.scores().get(i)).isCloseTo(probability[order[i]], org.assertj.core.data.Offset.offset(1e-5));
        }
        compared++;
      }
      assertThat(compared).isGreaterThan(30);
    }
  }

  /** Items each user interacted with in any split: what serving excludes as "seen". */
  static List<BitSet> seen(PreparedDataset ds) {
    List<BitSet> out = new ArrayList<>();
    for (int u = 0; u < ds.users().size(); u++) {
      out.add(new BitSet());
    }
    for (SplitName s : SplitName.values()) {
      EventBatch b = ds.read(s);
      for (int i = 0; i < b.size(); i++) {
        out.get(b.user()[i]).set(b.item()[i]);
      }
    }
    return out;
  }

  /** Indices of the n best scores, ties to the lower index, skipping excluded ones. */
  static int[] top(float[] scores, BitSet excluded, int n) {
    return IntStream.range(0, scores.length).filter(i -> !excluded.get(i)).boxed()
        .sorted((a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b))
        .limit(n).mapToInt(Integer::intValue).toArray();
  }

  /** One event per candidate for user {@code u}, with every context feature missing (no context in the request). */
  static EventBatch events(PreparedDataset ds, int u, int[] items) {
    int n = items.length;
    int[] user = new int[n];
    Arrays.fill(user, u);
    List<EncodedColumn> ctx = new ArrayList<>();
    for (FittedFeature f : ds.transform().features(Entity.CONTEXT)) {
      ctx.add(new EncodedColumn.Index(f.name(), f.cardinality(), new int[n]));
    }
    float[] ones = new float[n];
    Arrays.fill(ones, 1f);
    return new EventBatch(user, items.clone(), new long[n], new float[n], ones, EncodedTable.of(n, ctx), Map.of());
  }

  /** Scores of every item for one user vector with ND4J, as offline evaluation computes them. */
  static final class Nd4jDot {
    static float[] scores(float[] user, INDArray items) {
      return org.nd4j.linalg.factory.Nd4j.create(user, new long[] {1, user.length}).mmul(items.transpose()).toFloatVector();
    }
  }
}

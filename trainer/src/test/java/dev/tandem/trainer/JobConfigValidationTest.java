package dev.tandem.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job is checked when it is loaded, before any data is read: the model's references to dataset features and
 * the metric early stopping watches, each error naming its key (then the file, as every configuration error does).
 */
class JobConfigValidationTest {
  @TempDir
  Path dir;

  private static final String DATASET = SmallJobs.DATASET;

  private ConfigLoader.Loaded<JobConfig> load(String model, String... overrides) {
    return SmallJobs.load("name: v\n" + DATASET + "model: " + model + "\n", dir, overrides);
  }

  @Test
  void anUndefinedUserFeatureIsNamedWithItsKeyAndTheKnownFeatures() {
    assertThatThrownBy(() -> load("{type: two_tower, user_features: [user_id, country, income]}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("model.user_features[2]: test-job.yaml: ")
        .hasMessageContaining("no feature 'income' in dataset.features (known: user_id, country, age, item_id,"
            + " category, tags, device)");
    assertThatThrownBy(() -> load("{type: ranking, user_features: [user_id, incme]}"))
        .hasMessageStartingWith("model.user_features[1]: test-job.yaml: ")
        .hasMessageContaining("no feature 'incme'");
  }

  @Test
  void featuresMustSuitTheTowerThatUsesThem() {
    assertThatThrownBy(() -> load("{type: two_tower, item_features: [item_id, country]}"))
        .hasMessageStartingWith("model.item_features[1]: test-job.yaml: ")
        .hasMessageContaining("'country' is a user feature; the item tower takes item features only");
    assertThatThrownBy(() -> load("{type: two_tower, user_features: [user_id, category]}"))
        .hasMessageStartingWith("model.user_features[1]: test-job.yaml: ")
        .hasMessageContaining("'category' is an item feature");
    assertThatThrownBy(() -> load("{type: two_tower, item_features: [item_id, genre]}"))
        .hasMessageStartingWith("model.item_features[1]: test-job.yaml: ")
        .hasMessageContaining("no feature 'genre' in dataset.features");
    assertThatThrownBy(() -> load("{type: two_tower, feature_dropout: {age: 0.2}}"))
        .hasMessageStartingWith("model.feature_dropout.age: test-job.yaml: ")
        .hasMessageContaining("is not a categorical or bucketized feature");
    assertThatThrownBy(() -> load("{type: two_tower, feature_dropout: {user: 0.2}}"))
        .hasMessageStartingWith("model.feature_dropout.user: test-job.yaml: ")
        .hasMessageContaining("no feature 'user'");
    // a ranking model takes any feature
    assertThat(load("{type: ranking, user_features: [user_id, category, device]}").value().model().userFeatures()).hasSize(3);
  }

  @Test
  void earlyStoppingMustWatchAMetricValidationComputes() {
    assertThatThrownBy(() -> load("{type: two_tower}", "train.early_stopping.metric=recall@20"))
        .hasMessageStartingWith("train.early_stopping.metric: test-job.yaml: ")
        .hasMessageContaining("'recall@20' is not a validation metric of a two_tower model with eval.k [10, 50, 100]");
    assertThatThrownBy(() -> load("{type: ranking}", "train.early_stopping.metric=recall@10"))
        .hasMessageContaining("(known: auc, logloss)");
    assertThat(load("{type: two_tower}", "train.early_stopping.metric=ndcg@50").value().train().earlyStopping().metric()).isEqualTo("ndcg@50");
    assertThat(load("{type: ranking}", "train.early_stopping.metric=logloss").value()).isNotNull();
  }

  @Test
  void aJobWithoutModelLoadsForPreparingButCannotTrain() {
    JobConfig job = SmallJobs.load("name: v\n" + DATASET, dir).value();
    assertThatThrownBy(job::requireModel).isInstanceOf(ConfigException.class).hasMessageStartingWith("model: is required to train");
  }

  @Test
  void aJobOnAPreparedDatasetIsCheckedAgainstThatDatasetsFeatures() {
    JobConfig job = SmallJobs.load("name: p\nprepared: /somewhere\nmodel: {type: two_tower, user_features: [user_id, income]}\n", dir).value();
    List<JobConfig.Feature> features = List.of(new JobConfig.Feature("user_id", dev.tandem.datasets.Entity.USER, true, false, false),
        new JobConfig.Feature("item_id", dev.tandem.datasets.Entity.ITEM, true, false, false));
    assertThatThrownBy(() -> job.checkModelAgainst(features, "the prepared dataset at /somewhere"))
        .hasMessage("model.user_features[1]: no feature 'income' in the prepared dataset at /somewhere (known: user_id, item_id)");
  }

  @Test
  void shardedTablesNeedTheirShardsAndEachAddressIsCheckedByIndex() {
    assertThatThrownBy(() -> load("{type: two_tower, embeddings: {store: sharded}}"))
        .hasMessageStartingWith("model.embeddings.store: test-job.yaml: ")
        .hasMessageContaining("add cluster.parameter_server.shards");
    assertThatThrownBy(() -> load("{type: two_tower, embeddings: {store: sharded}}", "cluster.parameter_server.shards=[127.0.0.1:40300, nohost]"))
        .hasMessageStartingWith("cluster.parameter_server.shards[1]: test-job.yaml: ")
        .hasMessageContaining("'nohost' is not host:port");
    assertThatThrownBy(() -> load("{type: two_tower, embeddings: {store: sharded}}",
        "cluster.parameter_server.shards=[127.0.0.1:40300, 127.0.0.1:40300]"))
        .hasMessageStartingWith("cluster.parameter_server.shards[1]: test-job.yaml: ")
        .hasMessageContaining("listed twice");
    assertThatThrownBy(() -> load("{type: two_tower, embeddings: {store: sharded}}", "cluster.parameter_server.shards=[127.0.0.1:40300]",
        "cluster.parameter_server.full_checkpoint_every=0"))
        .hasMessageStartingWith("cluster.parameter_server.full_checkpoint_every: test-job.yaml: ");
    assertThatThrownBy(() -> load("{type: two_tower}", "cluster.parameter_server.shards=[127.0.0.1:40300]"))
        .hasMessageStartingWith("cluster.parameter_server: test-job.yaml: ")
        .hasMessageContaining("model.embeddings.store: sharded only");
    JobConfig ok = load("{type: two_tower, embeddings: {store: sharded}}", "cluster.parameter_server.shards=[127.0.0.1:40300, localhost:40301]",
        "cluster.parameter_server.staleness=2").value();
    assertThat(ok.cluster().parameterServer().settings("r").shards()).containsExactly("127.0.0.1:40300", "localhost:40301");
    assertThat(ok.cluster().parameterServer().settings("r").staleness()).isEqualTo(2);
    assertThat(ok.cluster().parameterServer().fullCheckpointEvery()).isEqualTo(1);
  }
}

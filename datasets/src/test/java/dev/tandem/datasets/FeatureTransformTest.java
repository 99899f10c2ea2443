package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.features.RawColumn;
import dev.tandem.datasets.features.TransformFitter;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureTransformTest {
  @TempDir
  Path dir;

  private static FeatureSpec spec(String yaml) {
    return ConfigLoader.parse(yaml, "test", "/", FeatureSpec.class, List.of()).value();
  }

  @Test
  void vocabularyKeepsFrequentValuesMostFrequentFirstAndHashesTheRestIntoOovBuckets() {
    FeatureSpec s = spec("{name: c, entity: user, kind: categorical, vocab: {min_count: 2, oov_buckets: 3}}");
    FittedFeature.Categorical f = (FittedFeature.Categorical) TransformFitter.fit(s,
        RawColumn.of(new String[] {"a", "b", "c", null}), new int[] {5, 2, 1, 4});
    assertThat(f.vocabulary()).containsExactly("a", "b");
    assertThat(f.cardinality()).isEqualTo(1 + 3 + 2);
    assertThat(f.index(null)).isZero();
    assertThat(f.index("a")).isEqualTo(4);
    assertThat(f.index("b")).isEqualTo(5);
    assertThat(f.index("c")).isBetween(1, 3);
    assertThat(f.index("never seen")).isBetween(1, 3);
    assertThat(f.index("c")).isEqualTo(f.index("c"));
  }

  @Test
  void hashingNeedsNoFitAndIsStable() {
    FeatureSpec s = spec("{name: h, entity: item, kind: categorical, hash_buckets: 16}");
    FittedFeature.Categorical f = (FittedFeature.Categorical) TransformFitter.fit(s, RawColumn.of(new String[] {"x"}), null);
    assertThat(f.cardinality()).isEqualTo(17);
    // String.hashCode is specified by the JLS: this value is the same on every JVM
    assertThat(f.index("item-42")).isEqualTo(1 + Math.floorMod(mix("item-42".hashCode()), 16));
  }

  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  @Test
  void bucketsAndStandardisation() {
    FittedFeature.Bucketized b = (FittedFeature.Bucketized) TransformFitter.fit(
        spec("{name: age, entity: user, kind: numeric, bucketize: {boundaries: [18, 25, 35]}}"), RawColumn.of(new String[0]), null);
    assertThat(b.index(Double.NaN)).isZero();
    assertThat(b.index(10)).isEqualTo(1);
    assertThat(b.index(18)).isEqualTo(2);
    assertThat(b.index(34.9)).isEqualTo(3);
    assertThat(b.index(90)).isEqualTo(4);
    FittedFeature.Bucketized q = (FittedFeature.Bucketized) TransformFitter.fit(
        spec("{name: v, entity: context, kind: numeric, bucketize: {quantiles: 4}}"),
        RawColumn.numbers(new float[] {1, 2, 3, 4, 5, 6, 7, 8}), null);
    assertThat(q.boundaries()).containsExactly(3.0, 5.0, 7.0);
    FittedFeature.Standardized z = (FittedFeature.Standardized) TransformFitter.fit(
        spec("{name: w, entity: context, kind: numeric, log: true}"), RawColumn.numbers(new float[] {0, (float) Math.E - 1}), null);
    assertThat(z.mean()).isEqualTo(0.5, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(z.value(Double.NaN)).isZero();
  }

  @Test
  void servingEncodingEqualsTrainingEncodingAndSurvivesJson() throws Exception {
    TestData.write(dir, "e.csv", "u,i,t,r\n1,10,1600000001,5\n2,10,1600000002,3\n1,11,1600000003,4\n3,12,1600000004,5\n4,10,1600000005,1\n");
    TestData.write(dir, "u.csv", "id,country,age\n1,fr,30\n2,de,40\n3,fr,\n4,jp,22\n5,us,50\n");
    TestData.write(dir, "i.csv", "id,tags\n10,a|b\n11,b\n12,c|a|a\n");
    PreparedDataset ds = Prepare.dataset("""
        source:
          format: events
          events: {path: e.csv}
          columns: {user_id: u, item_id: i, timestamp: t, rating: r}
          users: {path: u.csv, key: id}
          items: {path: i.csv, key: id}
        label: "rating >= 4"
        split: {train: 0.6, validation: 0.2, test: 0.2}
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: age, entity: user, kind: numeric}
          - {name: item_id, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
        """, dir, dir.resolve("out").toString());
    FeatureTransform t = ds.transform();
    // fitted on train only: users 1 and 2 are in train; 3 and 4 only later, 5 never
    FittedFeature.Categorical uid = (FittedFeature.Categorical) t.feature("user_id");
    assertThat(uid.vocabulary()).containsExactlyInAnyOrder("1", "2");
    FittedFeature.Categorical country = (FittedFeature.Categorical) t.feature("country");
    assertThat(country.vocabulary()).containsExactly("fr", "de"); // fr has 2 train events, de 1
    // user 5 is known from the side table even without events: encoded, with an out-of-vocabulary id
    EntityTable users = ds.users();
    assertThat(users.ids()).containsExactly("1", "2", "3", "4", "5");
    FeatureTransform reloaded = FeatureTransform.fromJson(t.toJson(), "transform.json");
    assertThat(reloaded).isEqualTo(t);
    for (int row = 0; row < users.size(); row++) {
      EncodedTable one = reloaded.encodeOne(Entity.USER, users.attributes(row));
      for (String name : List.of("user_id", "country")) {
        assertThat(((EncodedColumn.Index) one.column(name)).values()[0])
            .isEqualTo(((EncodedColumn.Index) users.encoded().column(name)).values()[row]);
      }
      assertThat(((EncodedColumn.Real) one.column("age")).values()[0])
          .isEqualTo(((EncodedColumn.Real) users.encoded().column("age")).values()[row]);
    }
    EncodedTable req = t.encodeOne(Entity.USER, Map.of("user_id", "999", "country", "fr", "age", "not a number"));
    assertThat(((EncodedColumn.Index) req.column("country")).values()[0]).isEqualTo(country.index("fr"));
    assertThat(((EncodedColumn.Real) req.column("age")).values()[0]).isZero();
    EncodedColumn.MultiIndex tags = (EncodedColumn.MultiIndex) ds.items().encoded().column("tags");
    int row12 = ds.items().row("12");
    assertThat(tags.offsets()[row12 + 1] - tags.offsets()[row12]).isEqualTo(2); // "c|a|a" -> {a, c}
    assertThat(ds.read(SplitName.TRAIN).size()).isEqualTo(3);
  }
}

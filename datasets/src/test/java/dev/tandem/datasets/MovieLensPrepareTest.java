package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.testing.TestData;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MovieLens-100k prepares with the protocol of ../shared/docs/EVALUATION.md. */
class MovieLensPrepareTest {
  @TempDir
  Path dir;

  @Test
  void followsTheEvaluationProtocol() {
    Path ml = TestData.movieLens();
    PreparedDataset ds = Prepare.dataset(TestData.movieLensYaml(ml), dir, dir.resolve("ml").toString());
    PrepareSummary s = ds.summary();
    assertThat(s.rowsRead()).isEqualTo(100_000);
    assertThat(s.rowsRejected()).isZero();
    assertThat(s.splits()).containsEntry("train", 80_000L).containsEntry("validation", 10_000L).containsEntry("test", 10_000L);
    assertThat(ds.users().size()).isEqualTo(943);
    assertThat(ds.items().size()).isEqualTo(1682);

    EventBatch train = ds.read(SplitName.TRAIN);
    EventBatch val = ds.read(SplitName.VALIDATION);
    EventBatch test = ds.read(SplitName.TEST);
    int positives = 0;
    for (float l : train.label()) {
      positives += (int) l;
    }
    assertThat(positives).isEqualTo(44_072);
    long maxTrain = train.timestamp()[train.size() - 1];
    assertThat(val.timestamp()[0]).isGreaterThanOrEqualTo(maxTrain);
    assertThat(test.timestamp()[0]).isGreaterThanOrEqualTo(val.timestamp()[val.size() - 1]);

    // 153 test users have a positive; 57 of them have any train rating
    Set<Integer> trainUsers = new HashSet<>();
    for (int u : train.user()) {
      trainUsers.add(u);
    }
    Set<Integer> testPos = new HashSet<>();
    for (int k = 0; k < test.size(); k++) {
      if (test.label()[k] == 1f) {
        testPos.add(test.user()[k]);
      }
    }
    assertThat(testPos).hasSize(153);
    assertThat(testPos.stream().filter(trainUsers::contains).count()).isEqualTo(57);

    // side features: genres from the 19 flags of latin-1 u.item, age buckets, release decade
    FittedFeature.MultiHot genres = (FittedFeature.MultiHot) ds.transform().feature("genres");
    assertThat(genres.vocabulary()).hasSize(19).contains("Children_s", "Film-Noir", "Sci-Fi");
    int toyStory = ds.items().row("1");
    assertThat(ds.items().raw().get("genres")[toyStory]).isEqualTo("Animation|Children_s|Comedy");
    assertThat(ds.items().raw().get("release_year")[toyStory]).isEqualTo("1995");
    EncodedColumn.Index age = (EncodedColumn.Index) ds.users().encoded().column("age");
    assertThat(age.cardinality()).isEqualTo(8);
    assertThat(age.values()[ds.users().row("1")]).isEqualTo(2); // user 1 is 24: 0 missing, 1 under 18, 2 for 18-24
    assertThat(ds.profile().splits().get("test").features()).containsKeys("occupation", "genres", "release_decade");
  }
}

package dev.tandem.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.train.LocalTrainer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * History dropout shows an example as its user's first event: the hidden history equals, value for value, what the
 * prepared data holds for events whose user had no visible earlier event, and the rest of the example is untouched.
 */
class HistoryDropoutTest {
  @TempDir
  Path dir;

  private static final String FEATURES = """
            - {name: recent, kind: history_items, of: user, n: 5}
            - {name: user_events, kind: history_count, of: user}
            - {name: user_rate, kind: history_rate, of: user, smoothing: 5}
            - {name: user_watch, kind: history_mean, of: user, source: watch_seconds, smoothing: 3}
            - {name: since_last, kind: time_since, of: user}
            - {name: user_events_7d, kind: history_count, of: user, window: 7d, bucketize: {boundaries: [1, 3, 10]}}
            - {name: item_events, kind: history_count, of: item}
      """;

  private static String job(String pooling) {
    String device = "- {name: device, entity: context, kind: categorical}\n";
    String base = SmallJobs.ranking("dcn", 1);
    String indent = base.substring(base.lastIndexOf('\n', base.indexOf(device)) + 1, base.indexOf(device));
    StringBuilder extra = new StringBuilder();
    for (String line : FEATURES.strip().split("\n")) {
      extra.append(indent).append(line.strip()).append('\n');
    }
    return base.replace(device, device + extra).replace("dropout: 0.1}", "dropout: 0.1, history_pooling: " + pooling + "}");
  }

  @Test
  void hiddenHistoryEqualsAFirstEventsHistory() {
    for (String pooling : new String[] {"mean", "attention"}) {
      ConfigLoader.Loaded<JobConfig> loaded = SmallJobs.load(job(pooling), dir);
      PreparedDataset ds = SmallJobs.dataset(loaded, dir);
      ModelSpec spec = LocalTrainer.spec(loaded.value(), ds);
      InputGroup x = spec.query();
      Examples train = Examples.of(ds, ds.read(SplitName.TRAIN));
      float[] counts = ((EncodedColumn.Real) train.events().context().column("user_events")).values();
      float none = counts[0];
      int first = -1;
      int later = -1;
      for (int i = 0; i < counts.length && (first < 0 || later < 0); i++) {
        if (counts[i] == none && first < 0) {
          first = i;
        } else if (counts[i] != none && later < 0) {
          later = i;
        }
      }
      assertThat(first).as("an event whose user had no earlier event").isEqualTo(0);
      assertThat(later).as("an event with history").isPositive();
      INDArray[] firstArrays = x.arrays(1, train.rows(new int[] {first}));
      INDArray[] hidden = x.arrays(1, train.rows(new int[] {later}));
      INDArray[] untouched = x.arrays(1, train.rows(new int[] {later}));
      x.hideHistory(hidden, 0.999999, new SplittableRandom(1));
      int dense = x.inputNames().indexOf("x_dense");
      int cat = x.inputNames().indexOf("x_cat");
      for (int j = 0; j < x.dense().size(); j++) {
        String f = x.dense().get(j);
        float got = hidden[dense].getFloat(0, j);
        if (f.startsWith("user_") || f.equals("since_last")) {
          assertThat(got).as(pooling + ": hidden " + f).isEqualTo(firstArrays[dense].getFloat(0, j));
        } else {
          assertThat(got).as(pooling + ": untouched " + f).isEqualTo(untouched[dense].getFloat(0, j));
        }
      }
      int bucketed = x.categorical().indexOf("user_events_7d");
      assertThat(hidden[cat].getFloat(0, bucketed)).isEqualTo(firstArrays[cat].getFloat(0, bucketed));
      int item = x.categorical().indexOf("item_id");
      assertThat(hidden[cat].getFloat(0, item)).isEqualTo(untouched[cat].getFloat(0, item));
      for (int a = 0; a < hidden.length; a++) {
        String name = x.inputNames().get(a);
        if (name.startsWith("x_seq") || name.startsWith("x_histmask")) {
          assertThat(hidden[a].sumNumber().doubleValue()).as(pooling + ": " + name + " emptied").isZero();
          assertThat(untouched[a].sumNumber().doubleValue()).as(pooling + ": " + name + " had items").isPositive();
        }
      }
      INDArray[] kept = x.arrays(1, train.rows(new int[] {later}));
      x.hideHistory(kept, 0, new SplittableRandom(1));
      for (int a = 0; a < kept.length; a++) {
        assertThat(kept[a]).isEqualTo(untouched[a]);
      }
    }
  }
}

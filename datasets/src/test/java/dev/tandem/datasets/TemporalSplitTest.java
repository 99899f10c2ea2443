package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.testing.TestData;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporal splits never let a validation or test event precede a train event. */
class TemporalSplitTest {
  @TempDir
  Path dir;

  private Path shuffledLog(int n, long seed) throws Exception {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder("u,i,t,r\n");
    for (int k = 0; k < n; k++) {
      // many ties in time, written in random order
      sb.append(r.nextInt(50)).append(',').append(r.nextInt(80)).append(',').append(1_600_000_000 + r.nextInt(n / 4)).append(',').append(1 + r.nextInt(5)).append('\n');
    }
    return TestData.write(dir, "log.csv", sb.toString());
  }

  private static final String CFG = """
      source:
        format: events
        events: {path: log.csv}
        columns: {user_id: u, item_id: i, timestamp: t, rating: r}
      label: "rating >= 4"
      %s
      features:
        - {name: user_id, entity: user, kind: categorical}
      """;

  @Test
  void noValidationOrTestEventPrecedesATrainEvent() throws Exception {
    shuffledLog(5000, 3);
    PreparedDataset ds = Prepare.dataset(CFG.formatted("split: {train: 0.7, validation: 0.15, test: 0.15}"), dir, dir.resolve("out").toString());
    EventBatch train = ds.read(SplitName.TRAIN);
    EventBatch val = ds.read(SplitName.VALIDATION);
    EventBatch test = ds.read(SplitName.TEST);
    assertThat(train.size() + val.size() + test.size()).isEqualTo(5000);
    assertThat(train.size()).isEqualTo(3500);
    long maxTrain = max(train.timestamp());
    long minVal = min(val.timestamp());
    long maxVal = max(val.timestamp());
    long minTest = min(test.timestamp());
    assertThat(minVal).isGreaterThanOrEqualTo(maxTrain);
    assertThat(minTest).isGreaterThanOrEqualTo(maxVal);
    // within a split: (timestamp, user id, item id) order, so equal timestamps are tie-broken the same way every run
    for (EventBatch b : new EventBatch[] {train, val, test}) {
      for (int k = 1; k < b.size(); k++) {
        long c = Long.compare(b.timestamp()[k - 1], b.timestamp()[k]);
        if (c == 0) {
          c = Integer.compare(b.user()[k - 1], b.user()[k]);
        }
        if (c == 0) {
          c = Integer.compare(b.item()[k - 1], b.item()[k]);
        }
        assertThat(c).isLessThanOrEqualTo(0);
      }
    }
    // the same input prepares to the same dataset
    PreparedDataset again = Prepare.dataset(CFG.formatted("split: {train: 0.7, validation: 0.15, test: 0.15}"), dir, dir.resolve("again").toString());
    assertThat(again.fingerprint()).isEqualTo(ds.fingerprint());
  }

  @Test
  void absoluteCutOffsSplitByTimeAndCountEventsAfterTheTestEnd() throws Exception {
    TestData.write(dir, "log.csv", "u,i,t,r\n1,1,2024-01-01,5\n1,2,2024-01-10,5\n2,1,2024-01-15,1\n2,2,2024-01-20,5\n3,3,2024-02-01,4\n");
    PreparedDataset ds = Prepare.dataset(CFG.formatted("split: {train_end: 2024-01-12, validation_end: \"2024-01-16T00:00:00Z\", test_end: 2024-01-25}"),
        dir, dir.resolve("out").toString());
    assertThat(ds.summary().splits()).containsEntry("train", 2L).containsEntry("validation", 1L).containsEntry("test", 1L);
    assertThat(ds.summary().outsideSplits()).isEqualTo(1);
    assertThat(ds.summary().rowsKept()).isEqualTo(5);
  }

  @Test
  void emptyTrainSplitIsAConfigError() throws Exception {
    TestData.write(dir, "log.csv", "u,i,t,r\n1,1,2024-01-01,5\n");
    assertThatThrownBy(() -> Prepare.dataset(CFG.formatted("split: {train_end: 2020-01-01, validation_end: 2021-01-01}"), dir, dir.resolve("out").toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dataset.split")
        .hasMessageContaining("train split is empty");
  }

  private static long max(long[] a) {
    long m = Long.MIN_VALUE;
    for (long v : a) {
      m = Math.max(m, v);
    }
    return m;
  }

  private static long min(long[] a) {
    long m = Long.MAX_VALUE;
    for (long v : a) {
      m = Math.min(m, v);
    }
    return m;
  }
}

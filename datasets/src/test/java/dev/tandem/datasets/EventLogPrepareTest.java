package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generic CSV event log becomes a prepared dataset from a config alone. */
class EventLogPrepareTest {
  @TempDir
  Path dir;

  @Test
  void csvWithHeaderPreparesFromConfigAlone() throws Exception {
    StringBuilder csv = new StringBuilder("userId,movieId,rating,timestamp\n");
    for (int i = 0; i < 100; i++) {
      csv.append(i % 7).append(',').append(100 + i % 11).append(',').append(1 + i % 5).append(".0,").append(1_600_000_000L + i * 60).append('\n');
    }
    TestData.write(dir, "ratings.csv", csv.toString());
    PreparedDataset ds = Prepare.dataset("""
        source:
          format: events
          events: {path: ratings.csv}
          columns: {user_id: userId, item_id: movieId, timestamp: timestamp, rating: rating}
        label: "rating >= 4"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
        """, dir, dir.resolve("prepared").toString());
    PrepareSummary s = ds.summary();
    assertThat(s.rowsRead()).isEqualTo(100);
    assertThat(s.rowsKept()).isEqualTo(100);
    assertThat(s.rowsRejected()).isZero();
    assertThat(s.splits()).containsEntry("train", 80L).containsEntry("validation", 10L).containsEntry("test", 10L);
    assertThat(ds.users().size()).isEqualTo(7);
    assertThat(ds.items().size()).isEqualTo(11);
    // ids are ordered numerically, not as strings
    assertThat(ds.users().ids()).containsExactly("0", "1", "2", "3", "4", "5", "6");
    EventBatch train = ds.read(SplitName.TRAIN);
    assertThat(train.size()).isEqualTo(80);
    for (int i = 0; i < train.size(); i++) {
      // events are in time order and labelled by the rule
      if (i > 0) {
        assertThat(train.timestamp()[i]).isGreaterThanOrEqualTo(train.timestamp()[i - 1]);
      }
      long k = (train.timestamp()[i] - 1_600_000_000L) / 60;
      assertThat(train.label()[i]).isEqualTo(1 + k % 5 >= 4 ? 1f : 0f);
      assertThat(ds.users().id(train.user()[i])).isEqualTo(String.valueOf(k % 7));
      assertThat(ds.items().id(train.item()[i])).isEqualTo(String.valueOf(100 + k % 11));
    }
  }

  @Test
  void tsvWithoutHeaderIsoTimestampsSideTablesContextAndWeights() throws Exception {
    TestData.write(dir, "log/part-0.tsv", """
        a\tx\t2024-01-01T00:00:00Z\t40\tweb
        b\ty\t2024-01-02\t10\tapp
        a\ty\t2024-01-03T10:00:00\t35\tapp
        c\tz\t2024-01-04T00:00:00+02:00\t5\tweb
        """);
    TestData.write(dir, "log/part-1.tsv", """
        b\tx\t2024-01-05 08:00:00\t60\tweb
        c\tx\t2024-01-06\t31\tapp
        a\tz\t2024-01-07\t0\tapp
        d\ty\t2024-01-08\t45\tweb
        e\tx\t2024-01-09\t50\ttv
        a\tx\t2024-01-10\t33\tweb
        """);
    TestData.write(dir, "users.csv", "id,country,age\na,fr,31\nb,de,45\nc,fr,\nd,us,22\n");
    TestData.write(dir, "items.csv", "id,genres,length\nx,drama|comedy,90\ny,comedy,100\nz,horror,85\n");
    PreparedDataset ds = Prepare.dataset("""
        source:
          format: events
          events: {path: log, header: false, names: [uid, iid, ts, watched, device]}
          columns: {user_id: uid, item_id: iid, timestamp: ts, watch_seconds: watched}
          users: {path: users.csv, key: id}
          items: {path: items.csv, key: id}
        label: "watch_seconds >= 30"
        weight: watch_seconds
        split: {train: 0.6, validation: 0.2, test: 0.2}
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: age, entity: user, kind: numeric}
          - {name: item_id, entity: item, kind: categorical}
          - {name: genres, entity: item, kind: multi_hot}
          - {name: length, entity: item, kind: numeric, bucketize: {quantiles: 2}}
          - {name: device, entity: context, kind: categorical}
        """, dir, dir.resolve("out").toString());
    PrepareSummary s = ds.summary();
    assertThat(s.rowsRead()).isEqualTo(10);
    assertThat(s.splits()).containsEntry("train", 6L).containsEntry("validation", 2L).containsEntry("test", 2L);
    assertThat(s.sideTables().get("users").eventsWithoutRow()).isEqualTo(1); // user e has no row
    EventBatch all = dev.tandem.datasets.EventBatch.concat(java.util.List.of(ds.read(SplitName.TRAIN), ds.read(SplitName.VALIDATION), ds.read(SplitName.TEST)));
    // ISO-8601 in its several forms, +02:00 converted to UTC
    assertThat(all.timestamp()[3]).isEqualTo(java.time.Instant.parse("2024-01-03T22:00:00Z").getEpochSecond());
    assertThat(all.timestamp()[4]).isEqualTo(java.time.Instant.parse("2024-01-05T08:00:00Z").getEpochSecond());
    assertThat(all.weight()).containsExactly(40f, 10f, 35f, 5f, 60f, 31f, 0f, 45f, 50f, 33f);
    assertThat(all.label()).containsExactly(1f, 0f, 1f, 0f, 1f, 1f, 0f, 1f, 1f, 1f);
    // context feature is encoded per event, fitted on train (tv appears only in test: out of vocabulary)
    EncodedColumn.Index device = (EncodedColumn.Index) all.context().column("device");
    FittedFeature.Categorical fd = (FittedFeature.Categorical) ds.transform().feature("device");
    assertThat(device.values()[0]).isEqualTo(fd.index("web"));
    assertThat(fd.known("tv")).isFalse();
    // entity features come from the side tables; missing values are index 0 / the mean
    EntityTable users = ds.users();
    int c = users.row("c");
    assertThat(((EncodedColumn.Real) users.encoded().column("age")).values()[c]).isEqualTo(0f);
    assertThat(((EncodedColumn.Index) users.encoded().column("country")).values()[users.row("e")]).isZero();
    EncodedColumn.MultiIndex genres = (EncodedColumn.MultiIndex) ds.items().encoded().column("genres");
    int x = ds.items().row("x");
    assertThat(genres.offsets()[x + 1] - genres.offsets()[x]).isEqualTo(2);
    // the standardisation uses train statistics, weighted by events
    FittedFeature.Standardized age = (FittedFeature.Standardized) ds.transform().feature("age");
    // train events: a(31) b(45) a(31) c(-) b(45) c(-) -> mean of 31,45,31,45 = 38
    assertThat(age.mean()).isCloseTo(38.0, within(1e-9));
  }

  @Test
  void userFeaturesFromEventColumnsTakeTheEarliestEventsValue() throws Exception {
    TestData.write(dir, "e.csv", """
        u,i,t,country,genre
        1,10,1600000300,fr,drama
        1,11,1600000100,de,comedy
        2,10,1600000200,us,drama
        1,12,1600000400,,comedy
        2,11,1600000500,us,comedy
        """);
    PreparedDataset ds = Prepare.dataset("""
        source:
          format: events
          events: {path: e.csv}
          columns: {user_id: u, item_id: i, timestamp: t}
        label: "t >= 0"
        split: {train: 0.6, validation: 0.2, test: 0.2}
        features:
          - {name: country, entity: user, kind: categorical}
          - {name: genre, entity: item, kind: categorical}
        """, dir, dir.resolve("out").toString());
    assertThat(ds.users().raw().get("country")).containsExactly("de", "us");
    assertThat(ds.items().raw().get("genre")).containsExactly("drama", "comedy", "comedy");
  }
}

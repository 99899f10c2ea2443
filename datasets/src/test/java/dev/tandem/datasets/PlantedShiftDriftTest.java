package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.drift.DriftAnalysis;
import dev.tandem.datasets.drift.DriftReport;
import dev.tandem.datasets.drift.DriftStatus;
import dev.tandem.datasets.drift.DriftThresholds;
import dev.tandem.datasets.drift.FeatureDrift;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.synth.SyntheticGenerator;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's planted shift: nothing before its day changes, and the week after it drifts from the weeks before
 * while a week without a shift does not (the drift of prepared profiles, test split against train).
 */
class PlantedShiftDriftTest {
  private static final Logger LOG = LogManager.getLogger(PlantedShiftDriftTest.class);
  private static final SyntheticGenerator.Params P = new SyntheticGenerator.Params(1500, 600, 60_000, 8, 63, 3, LocalDate.of(2024, 1, 1),
      1.0, 1.0);
  private static final int SHIFT_DAY = 49; // 2024-02-19

  @TempDir
  Path dir;

  @Test
  void aShiftChangesNothingBeforeItsDay() throws Exception {
    new SyntheticGenerator(P).write(Fs.path(dir.resolve("plain").toString()), 2, Progress.NONE);
    for (String kind : List.of("popularity", "tastes")) {
      new SyntheticGenerator(P, new SyntheticGenerator.Shift(SHIFT_DAY, kind, 1.0)).write(Fs.path(dir.resolve(kind).toString()), 2, Progress.NONE);
      List<String> plain = Files.readAllLines(dir.resolve("plain/events.csv"));
      List<String> shifted = Files.readAllLines(dir.resolve(kind + "/events.csv"));
      long cut = LocalDate.of(2024, 1, 1).plusDays(SHIFT_DAY).atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond();
      int before = 1;
      while (Long.parseLong(plain.get(before).split(",")[2]) < cut) {
        before++;
      }
      assertThat(shifted.subList(0, before)).as(kind).isEqualTo(plain.subList(0, before));
      assertThat(shifted.subList(before, shifted.size())).as(kind).isNotEqualTo(plain.subList(before, plain.size()));
      assertThat(Files.readAllBytes(dir.resolve(kind + "/items.csv"))).isEqualTo(Files.readAllBytes(dir.resolve("plain/items.csv")));
    }
  }

  /** Drift of the week from {@code testFromDay} (test) against the week before it (validation). */
  private DriftReport drift(String kind, int testFromDay) {
    String src = "format: synthetic, users: 1500, items: 600, events: 60000, days: 63, seed: 3, dir: raw-" + kind
        + (kind.equals("none") ? "" : ", shift: {day: " + SHIFT_DAY + ", kind: " + kind + "}");
    LocalDate start = LocalDate.of(2024, 1, 1);
    String yaml = """
        source: {%s}
        label: "watch_seconds >= 30"
        split: {train_end: "%s", validation_end: "%s", test_end: "%s"}
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: category, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
          - {name: duration, entity: item, source: duration_s, kind: numeric, log: true}
          - {name: device, entity: context, kind: categorical}
        """.formatted(src, start.plusDays(testFromDay - 7), start.plusDays(testFromDay), start.plusDays(testFromDay + 7));
    PreparedDataset ds = Prepare.dataset(yaml, dir, dir.resolve(kind + "-" + testFromDay).toString());
    DatasetProfile p = ds.profile();
    DriftReport r = DriftAnalysis.compare("validation", p.splits().get("validation"), "test", p.splits().get("test"), DriftThresholds.DEFAULT);
    StringBuilder sb = new StringBuilder();
    for (FeatureDrift f : r.features()) {
      sb.append(String.format(" %s %s psi=%.3f js=%.3f oov=%s;", f.name(), f.status().key(), f.psi(), f.jensenShannon(), f.oovCurrent()));
    }
    LOG.info("shift {} test from day {}: {} label {} -> {}:{}", kind, testFromDay, r.status(), r.labelRate().reference(),
        r.labelRate().current(), sb);
    return r;
  }

  @Test
  void theWeekAfterAShiftAlertsAgainstTheWeekBeforeAndWeeksWithoutOneDoNot() {
    // week over week: the newest week (test) against the one before it (validation); the generator's own drift (items
    // released with a freshness boost, users' activity) makes weeks differ a little, which warns at most
    DriftReport popularity = drift("popularity", SHIFT_DAY);
    assertThat(popularity.status()).isEqualTo(DriftStatus.ALERT);
    assertThat(feature(popularity, "item_id").status()).isEqualTo(DriftStatus.ALERT);
    DriftReport cohort = drift("new_items", SHIFT_DAY);
    assertThat(cohort.status()).isEqualTo(DriftStatus.ALERT);
    assertThat(feature(cohort, "item_id").oovCurrent() - feature(cohort, "item_id").oovReference()).isGreaterThan(0.2);
    for (int from : new int[] {SHIFT_DAY - 7, SHIFT_DAY}) {
      DriftReport none = drift("none", from);
      assertThat(none.status()).as("no shift, test from day %d", from).isNotEqualTo(DriftStatus.ALERT);
      assertThat(feature(none, "country").status()).isEqualTo(DriftStatus.OK);
    }
  }

  private static FeatureDrift feature(DriftReport r, String name) {
    return r.features().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
  }
}

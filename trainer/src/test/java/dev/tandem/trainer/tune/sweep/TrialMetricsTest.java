package dev.tandem.trainer.tune.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.train.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A trial's progress as its run's metrics.jsonl and run.json tell it. */
class TrialMetricsTest {
  @TempDir
  Path dir;

  /** A metrics.jsonl line as an earlier version may have written it: only some of the fields. */
  static EpochMetrics epoch(int e, String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epoch", e);
    m.put("train_loss", 0.5);
    if (key != null) {
      m.put(key, value);
    }
    return EpochMetrics.fromJson(m);
  }

  static TrialMetrics metrics(String direction) {
    return new TrialMetrics(new SweepConfig.Objective("recall@10", null, direction));
  }

  @Test
  void theCurveHasAValuePerEpochAndItsBest() {
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    assertThat(metrics("max").read(run)).hasValueSatisfying(c -> assertThat(c.epochs()).isZero());

    // epoch 2 is missing, epoch 4 has no number
    run.writeMetrics(List.of(epoch(1, "val_recall@10", 0.2), epoch(3, "val_recall@10", 0.4), epoch(4, "val_recall@10", "NaN")));
    TrialMetrics.Curve max = metrics("max").read(run).orElseThrow();
    assertThat(max.values()).containsExactly(0.2, null, 0.4, null);
    assertThat(max.best()).isEqualTo(0.4);
    assertThat(max.bestEpoch()).isEqualTo(3);
    assertThat(max.missing()).isEmpty();
    TrialMetrics.Curve min = metrics("min").read(run).orElseThrow();
    assertThat(min.best()).isEqualTo(0.2);
    assertThat(min.bestEpoch()).isEqualTo(1);

    TrialRecord t = TrialRecord.create(1, Map.of(), "t");
    TrialRecord updated = metrics("max").update(t, run);
    assertThat(updated.epochs()).isEqualTo(4);
    assertThat(updated.value()).isEqualTo(0.4);
    assertThat(updated.curve()).containsExactly(0.2, null, 0.4, null);
    // nothing new: the same record
    assertThat(metrics("max").update(updated, run)).isSameAs(updated);
  }

  @Test
  void aMisnamedObjectiveIsReportedWithTheNamesTheRunHas() {
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    run.writeMetrics(List.of(epoch(1, "val_ndcg@10", 0.2)));
    TrialMetrics.Curve c = metrics("max").read(run).orElseThrow();
    assertThat(c.values()).containsExactly((Double) null);
    assertThat(c.missing()).contains("val_ndcg@10", "epoch");
  }

  @Test
  void aHalfWrittenFileIsReadAgainLater() throws Exception {
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    Files.createDirectories(dir.resolve("run"));
    Files.writeString(dir.resolve("run/metrics.jsonl"), "{\"epoch\": 1, \"val_recall@10\": 0.2}\n{\"epoch\": 2, \"val_rec");
    assertThat(metrics("max").read(run)).isEmpty();
    TrialRecord t = TrialRecord.create(1, Map.of(), "t");
    assertThat(metrics("max").update(t, run)).isSameAs(t);
  }

  @Test
  void aRunResumesOnlyWithACheckpointAndItsRunJson() throws Exception {
    RunDirectory run = RunDirectory.at(dir.resolve("run").toString());
    assertThat(TrialMetrics.resumable(run)).isFalse();
    Files.createDirectories(dir.resolve("run/checkpoints/ckpt-000010"));
    assertThat(TrialMetrics.resumable(run)).isFalse();
    Files.writeString(dir.resolve("run/run.json"), "{\"format\": 1, \"status\": \"running\"}");
    assertThat(TrialMetrics.resumable(run)).isTrue();
  }
}

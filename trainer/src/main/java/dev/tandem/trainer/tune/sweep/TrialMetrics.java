package dev.tandem.trainer.tune.sweep;

import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.train.RunDirectory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What a trial's run directory says about its progress, as typed values: the objective's validation value per epoch
 * (from {@code metrics.jsonl}) and whether the run can continue from a checkpoint ({@code run.json} and
 * {@code checkpoints/}). Only reads; a run that its trial process is writing is read as far as it is written (every
 * file of a run is replaced atomically).
 */
public final class TrialMetrics {
  private static final Logger LOG = LogManager.getLogger(TrialMetrics.class);
  private final SweepConfig.Objective objective;

  /** Reads runs for this objective (its metric, and its direction for the best value). */
  public TrialMetrics(SweepConfig.Objective objective) {
    this.objective = objective;
  }

  /**
   * A trial's objective per epoch.
   *
   * @param values    the validation value of epoch {@code i + 1} at index {@code i}; null where an epoch has none
   * @param best      the best of them (null if none)
   * @param bestEpoch the epoch of the best value (null if none)
   * @param missing   empty, unless the run's metrics do not name the objective at all (a misnamed objective.metric):
   *                  then the names they have
   */
  public record Curve(List<Double> values, Double best, Integer bestEpoch, List<String> missing) {
    public Curve {
      values = Collections.unmodifiableList(new ArrayList<>(values));
      missing = List.copyOf(missing);
    }

    /** Epochs the run has finished. */
    public int epochs() {
      return values.size();
    }
  }

  /** The metrics.jsonl key of the objective: its validation value. */
  public String key() {
    return objective.asMetric().key(SplitName.VALIDATION);
  }

  /**
   * The objective's curve of a run so far.
   *
   * @return empty while {@code metrics.jsonl} cannot be read (not written yet, or unreadable: read again later);
   *     a run without metrics yet has an empty curve
   */
  public Optional<Curve> read(RunDirectory run) {
    List<EpochMetrics> metrics;
    try {
      metrics = run.readMetrics();
    } catch (RuntimeException e) {
      LOG.debug("metrics of {} not readable yet: {}", run.root(), e.toString());
      return Optional.empty();
    }
    return Optional.of(curve(metrics));
  }

  /** The objective's curve in the lines of a metrics.jsonl (an epoch missing from them reads as null). */
  Curve curve(List<EpochMetrics> metrics) {
    Metric metric = objective.asMetric();
    List<Double> values = new ArrayList<>();
    for (EpochMetrics m : metrics) {
      int epoch = m.epoch() > 0 ? m.epoch() : values.size() + 1;
      while (values.size() < epoch - 1) {
        values.add(null);
      }
      Double v = Double.isNaN(m.value(metric)) ? null : m.value(metric);
      if (values.size() >= epoch) {
        values.set(epoch - 1, v);
      } else {
        values.add(v);
      }
    }
    Double best = null;
    Integer bestAt = null;
    for (int e = 0; e < values.size(); e++) {
      Double v = values.get(e);
      if (v != null && (best == null || objective.better(v, best))) {
        best = v;
        bestAt = e + 1;
      }
    }
    boolean missing = !metrics.isEmpty() && best == null && !metrics.get(0).validation().containsKey(metric.name());
    return new Curve(values, best, bestAt, missing ? List.copyOf(metrics.get(0).toJson().keySet()) : List.of());
  }

  /**
   * A trial's record brought up to date with its run.
   *
   * @return the same record when the run has nothing new (or cannot be read yet)
   */
  public TrialRecord update(TrialRecord t, RunDirectory run) {
    Optional<Curve> read = read(run);
    if (read.isEmpty() || read.get().values().equals(t.curve())) {
      return t;
    }
    Curve c = read.get();
    if (!c.missing().isEmpty()) {
      LOG.warn("trial {}: metrics.jsonl has no {} (objective.metric); its metrics are {}", t.id(), key(), c.missing());
    }
    return t.progressed(c.epochs(), c.best(), c.bestEpoch(), c.values());
  }

  /** Whether a run can continue from a checkpoint: it has {@code run.json} and at least one checkpoint. */
  public static boolean resumable(RunDirectory run) {
    try {
      return Fs.exists(run.checkpoints()) && !Fs.list(run.checkpoints()).isEmpty() && Fs.exists(run.info());
    } catch (IOException e) {
      return false;
    }
  }
}

package dev.tandem.trainer.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.tandem.datasets.split.SplitName;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch of training measured: a line of a run's {@code metrics.jsonl} and an entry of the training state's
 * history. Its JSON is the flat object those files have always held, in this order: {@code epoch}, {@code step},
 * {@code train_loss}, the validation metrics as {@code val_NAME}, {@code learning_rate}, {@code examples_per_second},
 * {@code epoch_seconds}, {@code improved}, then the runner's extras (e.g. a distributed run's {@code traffic_*}).
 *
 * @param epoch             1-based
 * @param step              global steps after the epoch
 * @param trainLoss         mean minibatch loss of the epoch (NaN when it ran no step)
 * @param validation        every number validation computed, by metric name (recall@10, users, auc, ...), in
 *                          evaluation's order; NaN where a split had nothing to score
 * @param learningRate      the learning rate at the epoch's end
 * @param examplesPerSecond training throughput of the epoch
 * @param epochSeconds      wall time of the epoch's steps
 * @param improved          whether the watched validation metric improved, making this epoch's checkpoint the best
 * @param extras            what the epoch runner adds, by key as written (numbers: an integer stays one)
 */
public record EpochMetrics(int epoch, long step, double trainLoss, Map<String, Double> validation, double learningRate,
    double examplesPerSecond, double epochSeconds, boolean improved, Map<String, Number> extras) {

  public EpochMetrics {
    validation = Collections.unmodifiableMap(new LinkedHashMap<>(validation));
    extras = Collections.unmodifiableMap(new LinkedHashMap<>(extras));
  }

  /** The epoch's validation value of a metric; NaN when validation did not compute it. */
  public double value(Metric metric) {
    Double v = validation.get(metric.name());
    return v == null ? Double.NaN : v;
  }

  /**
   * A field of the epoch's metrics.jsonl line by its key ({@code examples_per_second}, {@code traffic_bytes_sent}), for
   * readers that tabulate lines by key such as the benchmarks: a number, a boolean, or null when the line has none.
   */
  public Object field(String key) {
    return toJson().get(key);
  }

  /** The metrics.jsonl line as an ordered map (what Jackson writes). */
  @JsonValue
  public Map<String, Object> toJson() {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("epoch", epoch);
    line.put("step", step);
    line.put(Metric.LOSS.key(SplitName.TRAIN), trainLoss);
    validation.forEach((name, value) -> line.put(Metric.named(name).key(SplitName.VALIDATION), value));
    line.put("learning_rate", learningRate);
    line.put("examples_per_second", examplesPerSecond);
    line.put("epoch_seconds", epochSeconds);
    line.put("improved", improved);
    line.putAll(extras);
    return line;
  }

  /**
   * Reads a line as any version wrote it: a missing number reads as NaN (0 for epoch and step), a missing
   * {@code improved} as false, and every other number as an extra. Fields that are not numbers are ignored.
   */
  @JsonCreator
  public static EpochMetrics fromJson(Map<String, Object> line) {
    Map<String, Object> rest = new LinkedHashMap<>(line);
    int epoch = (int) orNaN(rest.remove("epoch"), 0);
    long step = (long) orNaN(rest.remove("step"), 0);
    double trainLoss = orNaN(rest.remove(Metric.LOSS.key(SplitName.TRAIN)), Double.NaN);
    double learningRate = orNaN(rest.remove("learning_rate"), Double.NaN);
    double examplesPerSecond = orNaN(rest.remove("examples_per_second"), Double.NaN);
    double epochSeconds = orNaN(rest.remove("epoch_seconds"), Double.NaN);
    boolean improved = Boolean.TRUE.equals(rest.remove("improved"));
    Map<String, Double> validation = new LinkedHashMap<>();
    Map<String, Number> extras = new LinkedHashMap<>();
    rest.forEach((key, value) -> {
      Number n = JsonNumbers.number(value);
      if (n != null) {
        Metric.ofKey(key, SplitName.VALIDATION).ifPresentOrElse(m -> validation.put(m.name(), n.doubleValue()), () -> extras.put(key, n));
      }
    });
    return new EpochMetrics(epoch, step, trainLoss, validation, learningRate, examplesPerSecond, epochSeconds, improved, extras);
  }

  private static double orNaN(Object value, double absent) {
    Double d = JsonNumbers.of(value);
    return d == null ? absent : d;
  }
}

package dev.tandem.trainer.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's metrics on one split, as evaluation computed them. Its JSON is flat, as the {@code eval-*.json} files have
 * always held it: the values, then each group as an object of its own, then {@code calibration} when there is a table.
 *
 * @param values      by metric name, in evaluation's order: recall@K, ndcg@K, hitrate@K and users for retrieval; auc,
 *                    logloss, examples, positive_rate, mean_prediction and expected_calibration_error for ranking. NaN
 *                    where there was nothing to score
 * @param groups      the same for groups of users (retrieval: {@code warm}, users with a train event, and {@code cold})
 * @param calibration a ranking model's calibration table (empty for retrieval)
 */
public record Scores(Map<String, Double> values, Map<String, Scores> groups, List<CalibrationBin> calibration) {
  private static final String CALIBRATION = "calibration";

  public Scores {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    calibration = List.copyOf(calibration);
  }

  /** Values alone, without groups or calibration. */
  public static Scores of(Map<String, Double> values) {
    return new Scores(values, Map.of(), List.of());
  }

  /** Whether evaluation computed this metric. */
  public boolean has(Metric metric) {
    return values.containsKey(metric.name());
  }

  /**
   * The value of a metric.
   *
   * @throws IllegalArgumentException when evaluation did not compute it, naming the metrics it did compute
   */
  public double value(Metric metric) {
    Double v = values.get(metric.name());
    if (v == null) {
      throw new IllegalArgumentException("no " + metric.name() + " among the metrics " + values.keySet());
    }
    return v;
  }

  /** The flat JSON object (what Jackson writes). */
  @JsonValue
  public Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>(values);
    groups.forEach((name, group) -> out.put(name, group.toJson()));
    if (!calibration.isEmpty()) {
      out.put(CALIBRATION, calibration);
    }
    return out;
  }

  /**
   * Reads the flat object: numbers (and the strings of non-finite ones) are values, objects are groups, and
   * {@code calibration} is the table. Other fields are not this class's and are ignored.
   */
  @JsonCreator
  public static Scores fromJson(JsonNode node) {
    Map<String, Double> values = new LinkedHashMap<>();
    Map<String, Scores> groups = new LinkedHashMap<>();
    List<CalibrationBin> calibration = new ArrayList<>();
    node.fields().forEachRemaining(f -> {
      JsonNode v = f.getValue();
      if (f.getKey().equals(CALIBRATION) && v.isArray()) {
        v.forEach(bin -> calibration.add(Persisted.json().convertValue(bin, CalibrationBin.class)));
      } else if (v.isObject()) {
        groups.put(f.getKey(), fromJson(v));
      } else if (JsonNumbers.of(v) != null) {
        values.put(f.getKey(), JsonNumbers.of(v));
      }
    });
    return new Scores(values, groups, calibration);
  }
}

package dev.tandem.trainer.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tandem evaluate}'s result: a checkpoint's scores on a split with its baseline's beside them, as written to a
 * run's {@code eval-SPLIT.json} and read by export and sweeps. Its JSON is the layout those files have always had:
 * {@code model}, {@code split}, {@code checkpoint}, {@code dataset}, the model's scores (flat, see {@link Scores}),
 * {@code baseline} and {@code beats_baseline}.
 *
 * @param model         {@code two_tower} or {@code ranking/ARCHITECTURE}
 * @param split         the split evaluated
 * @param checkpoint    the checkpoint's id
 * @param dataset       the fingerprint of the prepared dataset
 * @param scores        the model's
 * @param baseline      the baseline's on the same split
 * @param beatsBaseline per headline metric, whether the model is better than the baseline
 */
public record EvaluationResult(String model, String split, String checkpoint, String dataset, Scores scores, Baseline baseline,
    Map<String, Boolean> beatsBaseline) {
  private static final List<String> FIELDS = List.of("format", "model", "split", "checkpoint", "dataset", "baseline", "beats_baseline");

  public EvaluationResult {
    beatsBaseline = Collections.unmodifiableMap(new LinkedHashMap<>(beatsBaseline));
  }

  /**
   * The baseline a model is compared with.
   *
   * @param name       {@code popularity} or {@code logistic_regression}
   * @param checkpoint the baseline's checkpoint id (null for popularity, which is counted, not trained)
   * @param scores     its scores
   */
  public record Baseline(String name, String checkpoint, Scores scores) {
    /** The flat JSON object: name, checkpoint when there is one, then the scores. */
    @JsonValue
    public Map<String, Object> toJson() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("name", name);
      if (checkpoint != null) {
        out.put("checkpoint", checkpoint);
      }
      out.putAll(scores.toJson());
      return out;
    }

    /** Reads the flat object. */
    @JsonCreator
    public static Baseline fromJson(JsonNode node) {
      ObjectNode rest = node.deepCopy();
      JsonNode name = rest.remove("name");
      JsonNode checkpoint = rest.remove("checkpoint");
      return new Baseline(name == null ? null : name.asText(), checkpoint == null || checkpoint.isNull() ? null : checkpoint.asText(),
          Scores.fromJson(rest));
    }
  }

  /** Whether the model beats the baseline on every headline metric compared. */
  public boolean beatsBaselineEverywhere() {
    return !beatsBaseline.containsValue(false);
  }

  /** The JSON object (what Jackson writes). */
  @JsonValue
  public Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model);
    out.put("split", split);
    out.put("checkpoint", checkpoint);
    out.put("dataset", dataset);
    out.putAll(scores.toJson());
    out.put("baseline", baseline.toJson());
    out.put("beats_baseline", beatsBaseline);
    return out;
  }

  /** Reads an evaluation file's object (its {@code format} field, if any, is the file's, not a score). */
  @JsonCreator
  public static EvaluationResult fromJson(JsonNode node) {
    ObjectNode rest = node.deepCopy();
    FIELDS.forEach(rest::remove);
    Map<String, Boolean> beats = new LinkedHashMap<>();
    node.path("beats_baseline").fields().forEachRemaining(f -> beats.put(f.getKey(), f.getValue().asBoolean()));
    JsonNode baseline = node.path("baseline");
    return new EvaluationResult(text(node, "model"), text(node, "split"), text(node, "checkpoint"), text(node, "dataset"),
        Scores.fromJson(rest), baseline.isObject() ? Baseline.fromJson(baseline) : new Baseline(null, null, Scores.of(Map.of())), beats);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}

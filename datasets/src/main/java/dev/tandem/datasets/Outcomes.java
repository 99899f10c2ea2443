package dev.tandem.datasets;

import dev.tandem.datasets.source.EventLogSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What is learnt from each ordered event: its label (by the label rule), its weight, and the raw outcome columns kept
 * beside them in the shards as signals ({@code sig.<name>}: the label's column and the logical outcomes
 * {@link EventLogSource#OUTCOMES} the log maps).
 */
record Outcomes(float[] label, float[] weight, Map<String, float[]> signals) {

  /** @param weightColumn the weight column, or null for weight 1 */
  static Outcomes of(OrderedEvents events, LabelRule rule, String weightColumn) {
    int n = events.size();
    float[] label = new float[n];
    float[] labelSource = events.numeric().get(rule.column());
    for (int i = 0; i < n; i++) {
      label[i] = rule.apply(labelSource[i]);
    }
    Map<String, float[]> signals = new LinkedHashMap<>();
    events.numeric().forEach((name, values) -> {
      if (name.equals(rule.column()) || EventLogSource.OUTCOMES.contains(name)) {
        signals.put(name, values);
      }
    });
    float[] weight;
    if (weightColumn != null) {
      weight = events.numeric().get(weightColumn).clone();
    } else {
      weight = new float[n];
      Arrays.fill(weight, 1f);
    }
    return new Outcomes(label, weight, signals);
  }
}

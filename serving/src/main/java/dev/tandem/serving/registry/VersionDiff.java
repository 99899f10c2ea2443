package dev.tandem.serving.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.trainer.metrics.Scores;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two versions: every headline metric of each model (and its baseline) side by side, and every
 * configuration key (training jobs, serving configuration, dataset) whose value differs.
 *
 * @param a       the older (left) version
 * @param b       the newer (right) version
 * @param metrics one row per metric present in either version
 * @param config  one row per differing configuration key
 */
public record VersionDiff(int a, int b, List<MetricRow> metrics, List<ConfigChange> config) {

  /** A metric in both versions; {@code delta} is b - a when both are numbers. */
  public record MetricRow(String key, Double a, Double b, Double delta) {}

  /** A configuration key whose value differs (null: absent on that side). */
  public record ConfigChange(String key, String a, String b) {}

  public static VersionDiff of(VersionManifest a, VersionManifest b) {
    Map<String, Double> ma = metrics(a);
    Map<String, Double> mb = metrics(b);
    List<MetricRow> rows = new ArrayList<>();
    for (String k : new TreeSet<>(union(ma.keySet(), mb.keySet()))) {
      Double x = ma.get(k);
      Double y = mb.get(k);
      rows.add(new MetricRow(k, x, y, x != null && y != null ? y - x : null));
    }
    Map<String, String> ca = ConfigLoader.flatten(configTree(a));
    Map<String, String> cb = ConfigLoader.flatten(configTree(b));
    List<ConfigChange> changes = new ArrayList<>();
    for (String k : new TreeSet<>(union(ca.keySet(), cb.keySet()))) {
      if (!Objects.equals(ca.get(k), cb.get(k))) {
        changes.add(new ConfigChange(k, ca.get(k), cb.get(k)));
      }
    }
    return new VersionDiff(a.version(), b.version(), rows, changes);
  }

  private static Set<String> union(Set<String> x, Set<String> y) {
    Set<String> s = new TreeSet<>(x);
    s.addAll(y);
    return s;
  }

  /** Numeric metrics as "model.metric" and "model.baseline.metric". */
  static Map<String, Double> metrics(VersionManifest m) {
    Map<String, Double> out = new TreeMap<>();
    for (Map.Entry<String, VersionManifest.ModelEntry> e : m.models().entrySet()) {
      numbers(e.getKey() + ".", e.getValue().metrics(), out);
      numbers(e.getKey() + ".baseline.", e.getValue().baseline() == null ? null : e.getValue().baseline().scores(), out);
    }
    return out;
  }

  /** The values that are numbers (a metric a split could not score, NaN, has nothing to compare). */
  private static void numbers(String prefix, Scores scores, Map<String, Double> out) {
    if (scores == null) {
      return;
    }
    scores.values().forEach((name, value) -> {
      if (!Double.isNaN(value)) {
        out.put(prefix + name, value);
      }
    });
  }

  /** Everything configurable about a version, as one tree: training jobs, serving configuration, dataset identity. */
  static JsonNode configTree(VersionManifest m) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, VersionManifest.ModelEntry> e : m.models().entrySet()) {
      ObjectNode model = root.putObject(e.getKey());
      model.put("kind", e.getValue().kind());
      model.put("checkpoint", e.getValue().checkpoint());
      if (e.getValue().config() != null) {
        model.set("job", e.getValue().config());
      }
    }
    if (m.serving() != null) {
      root.set("serving", m.serving());
    }
    if (m.dataset() != null) {
      root.putObject("dataset").put("fingerprint", m.dataset().fingerprint());
    }
    return root;
  }
}

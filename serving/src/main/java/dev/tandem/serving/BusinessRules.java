package dev.tandem.serving;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EntityTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * The re-ranking rules of {@link ServingConfig.Rules} over a bundle's catalogue: at most M items per value of an item
 * attribute, and a share of exploration slots. Attribute values are interned once per catalogue, so applying a rule
 * costs a few array lookups per candidate.
 */
final class BusinessRules {
  private final ServingConfig.Rules rules;
  private final List<String> attributes = new ArrayList<>();
  private final List<Integer> limits = new ArrayList<>();
  /** Per attribute, per item: the ids of its values (several for multi-valued attributes such as genres). */
  private final List<int[][]> values = new ArrayList<>();
  private final List<String[]> names = new ArrayList<>();

  BusinessRules(ServingConfig.Rules rules, EntityTable items, FeatureTransform transform) {
    this.rules = rules;
    for (Map.Entry<String, Integer> e : rules.maxPer().entrySet()) {
      String attr = e.getKey();
      String[] raw = items.raw().get(attr);
      if (raw == null) {
        throw new ConfigException("rules.max_per." + attr, "is not an item attribute of this bundle; item attributes: " + items.rawColumns());
      }
      Pattern split = separator(transform, attr);
      Map<String, Integer> ids = new HashMap<>();
      List<String> byId = new ArrayList<>();
      int[][] perItem = new int[raw.length][];
      for (int i = 0; i < raw.length; i++) {
        if (raw[i] == null || raw[i].isBlank()) {
          perItem[i] = new int[0];
          continue;
        }
        String[] parts = split == null ? new String[] {raw[i].trim()} : split.split(raw[i]);
        List<Integer> v = new ArrayList<>(parts.length);
        for (String p : parts) {
          String t = p.trim();
          if (!t.isEmpty()) {
            v.add(ids.computeIfAbsent(t, x -> {
              byId.add(x);
              return byId.size() - 1;
            }));
          }
        }
        perItem[i] = v.stream().mapToInt(Integer::intValue).distinct().toArray();
      }
      attributes.add(attr);
      limits.add(e.getValue());
      values.add(perItem);
      names.add(byId.toArray(new String[0]));
    }
  }

  /** Multi-valued attributes are those a multi_hot feature reads: split them as the feature does. */
  private static Pattern separator(FeatureTransform transform, String source) {
    for (FittedFeature f : transform.features(Entity.ITEM)) {
      if (f instanceof FittedFeature.MultiHot m && m.source().equals(source)) {
        return Pattern.compile(Pattern.quote(m.separator()));
      }
    }
    return null;
  }

  boolean excludeSeen() {
    return rules.excludeSeen();
  }

  /** Exploration slots among k results. */
  int explorationSlots(int k) {
    return (int) Math.floor(rules.exploration().share() * k + 1e-9);
  }

  boolean exploreFromCatalogue() {
    return rules.exploration().from().equals("catalogue");
  }

  /** The random source of one request's exploration: repeatable per user when a seed is configured. */
  SplittableRandom random(String user) {
    Long seed = rules.exploration().seed();
    return seed == null ? new SplittableRandom() : new SplittableRandom(seed * 0x9E3779B97F4A7C15L + user.hashCode());
  }

  /** Counts attribute values of the chosen items and tells whether another item still fits. */
  final class Caps {
    private final List<Map<Integer, Integer>> counts = new ArrayList<>();
    private final List<String> capped = new ArrayList<>();

    Caps() {
      for (int a = 0; a < attributes.size(); a++) {
        counts.add(new HashMap<>());
      }
    }

    /** Takes the item if no attribute value of it is full; records why not otherwise. */
    boolean take(int item, String itemId) {
      for (int a = 0; a < attributes.size(); a++) {
        for (int v : values.get(a)[item]) {
          if (counts.get(a).getOrDefault(v, 0) >= limits.get(a)) {
            capped.add(itemId + " (" + attributes.get(a) + "=" + names.get(a)[v] + ")");
            return false;
          }
        }
      }
      for (int a = 0; a < attributes.size(); a++) {
        for (int v : values.get(a)[item]) {
          counts.get(a).merge(v, 1, Integer::sum);
        }
      }
      return true;
    }

    List<String> capped() {
      return capped;
    }
  }

  Caps caps() {
    return new Caps();
  }

  /** The rule set as a map, for explanations. */
  Map<String, Integer> maxPer() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (int a = 0; a < attributes.size(); a++) {
      out.put(attributes.get(a), limits.get(a));
    }
    return out;
  }
}

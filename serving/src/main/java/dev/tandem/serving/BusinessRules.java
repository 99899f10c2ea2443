package dev.tandem.serving;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EntityTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * Every business rule of {@link ServingConfig.Rules} over a bundle's catalogue, in the order the pipeline applies them:
 * which items may not be recommended at all (those the user has seen, those the request excludes), then, over the ranked
 * candidates, at most M items per value of an item attribute and a share of exploration slots (from lower-ranked
 * candidates or from the whole catalogue), spread evenly among the results. Attribute values are interned once per
 * catalogue, so applying a rule costs a few array lookups per candidate.
 */
final class BusinessRules {
  private final ServingConfig.Rules rules;
  private final EntityTable items;
  private final IntFunction<int[]> seen;
  private final List<String> attributes = new ArrayList<>();
  private final List<Integer> limits = new ArrayList<>();
  /** Per attribute, per item: the ids of its values (several for multi-valued attributes such as genres). */
  private final List<int[][]> values = new ArrayList<>();
  private final List<String[]> names = new ArrayList<>();

  /**
   * @param seen the catalogue rows a known user (by row) has interacted with
   */
  BusinessRules(ServingConfig.Rules rules, EntityTable items, FeatureTransform transform, IntFunction<int[]> seen) {
    this.rules = rules;
    this.items = items;
    this.seen = seen;
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

  /**
   * The catalogue rows that may not be recommended: the user's seen items (a known user, when the rules exclude them)
   * and the ids the request excludes (unknown ids are ignored). Grows to the highest excluded row only, so a request
   * allocates nothing catalogue-sized.
   */
  BitSet excluded(int userRow, Set<String> excludeIds) {
    BitSet excluded = new BitSet();
    if (rules.excludeSeen() && userRow >= 0) {
      for (int it : seen.apply(userRow)) {
        excluded.set(it);
      }
    }
    for (String id : excludeIds) {
      int it = items.row(id);
      if (it >= 0) {
        excluded.set(it);
      }
    }
    return excluded;
  }

  /** Exploration slots among k results. */
  int explorationSlots(int k) {
    return (int) Math.floor(rules.exploration().share() * k + 1e-9);
  }

  /**
   * One result slot: a candidate (its position in retrieval order) or an item drawn from the catalogue (position -1).
   */
  record Pick(int position, int item, boolean explore) {}

  /**
   * The results, best first, with why some candidates were skipped.
   *
   * @param picks   the k (or fewer) results in their final order, exploration items among them
   * @param capped  candidates skipped by max_per rules, with the attribute value that was full
   */
  record Selection(List<Pick> picks, List<String> capped) {}

  /**
   * Picks the k results from candidates in ranked order: the first k - slots candidates that no max_per rule refuses,
   * then {@link #explorationSlots} exploration items, put at evenly spaced slots so they are seen without taking the
   * top positions.
   *
   * @param ranked     candidate positions (indexes into {@code rows}), best first
   * @param rows       the candidates' catalogue rows, in retrieval order
   * @param excluded   rows that may not be recommended (exploration from the catalogue must skip them too)
   */
  Selection select(int[] ranked, int[] rows, int k, String user, BitSet excluded) {
    int explore = explorationSlots(k);
    Caps caps = new Caps();
    List<Pick> picks = new ArrayList<>();
    List<Integer> below = new ArrayList<>(); // candidates ranked below the cut: the pool of exploration from candidates
    for (int pos : ranked) {
      if (picks.size() >= k - explore) {
        below.add(pos);
      } else if (caps.take(rows[pos])) {
        picks.add(new Pick(pos, rows[pos], false));
      }
    }
    if (explore > 0) {
      List<Pick> extra = rules.exploration().from().equals("catalogue") ? fromCatalogue(picks, explore, user, excluded)
          : fromCandidates(below, rows, explore, user);
      int total = picks.size() + extra.size();
      for (int j = 0; j < extra.size(); j++) {
        int at = Math.min(picks.size(), (int) ((long) (j + 1) * total / (extra.size() + 1)));
        picks.add(at, extra.get(j));
      }
    }
    return new Selection(picks, caps.capped);
  }

  /** Exploration from candidates ranked below the cut, drawn without replacement. */
  private List<Pick> fromCandidates(List<Integer> below, int[] rows, int explore, String user) {
    SplittableRandom rnd = random(user);
    List<Integer> pool = new ArrayList<>(below);
    List<Pick> out = new ArrayList<>();
    for (int j = 0; j < explore && !pool.isEmpty(); j++) {
      int pos = pool.remove(rnd.nextInt(pool.size()));
      out.add(new Pick(pos, rows[pos], true));
    }
    return out;
  }

  /**
   * Exploration from the whole catalogue: random items that are neither excluded nor already chosen. Draws are
   * rejected and retried when they hit a taken item, at most 100 per slot, so a catalogue that is nearly all taken
   * yields fewer exploration items rather than a long loop.
   */
  private List<Pick> fromCatalogue(List<Pick> chosen, int explore, String user, BitSet excluded) {
    SplittableRandom rnd = random(user);
    BitSet taken = (BitSet) excluded.clone();
    for (Pick p : chosen) {
      taken.set(p.item());
    }
    int free = items.size() - taken.cardinality();
    List<Pick> out = new ArrayList<>();
    for (int attempts = 0; out.size() < Math.min(explore, free) && attempts < 100 * explore; attempts++) {
      int it = rnd.nextInt(items.size());
      if (!taken.get(it)) {
        taken.set(it);
        out.add(new Pick(-1, it, true));
      }
    }
    return out;
  }

  /** The random source of one request's exploration: repeatable per user when a seed is configured. */
  private SplittableRandom random(String user) {
    Long seed = rules.exploration().seed();
    return seed == null ? new SplittableRandom() : new SplittableRandom(seed * 0x9E3779B97F4A7C15L + user.hashCode());
  }

  /** Counts attribute values of the chosen items and tells whether another item still fits. */
  private final class Caps {
    private final List<Map<Integer, Integer>> counts = new ArrayList<>();
    private final List<String> capped = new ArrayList<>();

    Caps() {
      for (int a = 0; a < attributes.size(); a++) {
        counts.add(new HashMap<>());
      }
    }

    /** Takes the item if no attribute value of it is full; records why not otherwise. */
    boolean take(int item) {
      for (int a = 0; a < attributes.size(); a++) {
        for (int v : values.get(a)[item]) {
          if (counts.get(a).getOrDefault(v, 0) >= limits.get(a)) {
            capped.add(items.id(item) + " (" + attributes.get(a) + "=" + names.get(a)[v] + ")");
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
  }
}

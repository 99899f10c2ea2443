package dev.tandem.trainer.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a group of encoded features (a tower, or all ranking inputs) becomes graph inputs, with as few arrays as
 * possible: every indexed feature's index shifted into one shared embedding table ({@code _cat}, {@code [mb, F]}),
 * every multi-hot feature as one normalised k-hot vector ({@code _multi}, a bag of embeddings once multiplied by a
 * weight matrix), and every standardised number in one dense block ({@code _dense}). Fewer, larger ops are what make
 * DL4J fast; see README's performance notes.
 *
 * @param name        input prefix, e.g. "user"
 * @param categorical indexed features (categorical and bucketized), in order
 * @param offsets     start of each indexed feature's rows in the shared table
 * @param tableSize   rows of the shared table
 * @param multiHot    multi-hot features
 * @param multiOffsets start of each multi-hot feature in the k-hot vector
 * @param multiWidth  width of the k-hot vector
 * @param dense       standardised numeric features
 * @param oovBuckets  per indexed feature: its out-of-vocabulary buckets (indices 1..n), 0 if it has none
 * @param sequences   item lists (history_items): each as its own normalised k-hot block over the item vocabulary in
 *                    the {@code _seq} input, a mean of item embeddings once multiplied by a weight matrix
 * @param sequenceOffsets start of each item list's block in the {@code _seq} vector
 * @param sequenceWidth width of the {@code _seq} vector
 * @param attendFrom  null to pool item lists by their mean; else the indexed item feature (item_id) whose value, the
 *                    candidate, each item list is attended from ({@link HistoryAttentionVertex}): then every item list
 *                    {@code j} is the input {@code _histj} of shape {@code [mb, 1 + length]} instead of a block of
 *                    {@code _seq}: the candidate's row and the list's rows, shifted by one (0 marks an empty slot), beside {@code _histmaskj} of
 *                    shape {@code [mb, length]}, 1 where a slot holds an item
 * @param sequenceLengths per item list, its most items (history_items' n)
 * @param withoutHistoryDense per dense feature: its encoded value for a user without visible history, NaN when it is
 *                    not a history feature of the user (see {@link #hideHistory})
 * @param withoutHistoryIndex per indexed feature: its index for a user without visible history, -1 when it is not a
 *                    history feature of the user
 */
public record InputGroup(String name, List<String> categorical, int[] offsets, int tableSize, List<String> multiHot,
    int[] multiOffsets, int multiWidth, List<String> dense, int[] oovBuckets, List<String> sequences, int[] sequenceOffsets,
    int sequenceWidth, String attendFrom, int[] sequenceLengths, float[] withoutHistoryDense, int[] withoutHistoryIndex) {

  /** Specs written before item lists (or attention) existed have none. */
  public InputGroup {
    sequences = sequences == null ? List.of() : List.copyOf(sequences);
    sequenceOffsets = sequenceOffsets == null ? new int[0] : sequenceOffsets;
    sequenceLengths = sequenceLengths == null ? new int[0] : sequenceLengths;
    if (withoutHistoryDense == null) {
      withoutHistoryDense = new float[dense == null ? 0 : dense.size()];
      java.util.Arrays.fill(withoutHistoryDense, Float.NaN);
    }
    if (withoutHistoryIndex == null) {
      withoutHistoryIndex = new int[categorical == null ? 0 : categorical.size()];
      java.util.Arrays.fill(withoutHistoryIndex, -1);
    }
  }

  /** Lays out {@code features} (in the transform's order) as one input group, item lists pooled by their mean. */
  public static InputGroup of(String name, FeatureTransform transform, List<String> features) {
    return of(name, transform, features, false);
  }

  /**
   * Lays out {@code features} (in the transform's order) as one input group.
   *
   * @param attention attend over item lists from the candidate item (ranking); the item feature the lists index must be
   *                  one of {@code features}
   * @throws dev.tandem.config.ConfigException naming {@code model.history_pooling} when attention has no list or no
   *                  candidate to attend from
   */
  public static InputGroup of(String name, FeatureTransform transform, List<String> features, boolean attention) {
    List<String> cat = new ArrayList<>();
    List<Integer> off = new ArrayList<>();
    List<String> multi = new ArrayList<>();
    List<Integer> moff = new ArrayList<>();
    List<String> dense = new ArrayList<>();
    List<Integer> oov = new ArrayList<>();
    List<String> seq = new ArrayList<>();
    List<Integer> soff = new ArrayList<>();
    List<Integer> slen = new ArrayList<>();
    String candidate = null;
    int table = 0;
    int width = 0;
    int seqWidth = 0;
    for (FittedFeature f : transform.features()) {
      if (!features.contains(f.name())) {
        continue;
      }
      if (f instanceof FittedFeature.ItemSequence q) {
        if (attention && candidate != null && !candidate.equals(q.itemFeature())) {
          throw new dev.tandem.config.ConfigException("model.history_pooling", "attention needs every history_items feature to list "
              + "items of one item feature; '" + f.name() + "' lists " + q.itemFeature() + ", another lists " + candidate);
        }
        candidate = q.itemFeature();
        seq.add(f.name());
        slen.add(q.length());
        soff.add(seqWidth);
        seqWidth += f.cardinality();
      } else if (f instanceof FittedFeature.MultiHot) {
        multi.add(f.name());
        moff.add(width);
        width += f.cardinality();
      } else if (f instanceof FittedFeature.Standardized) {
        dense.add(f.name());
      } else {
        cat.add(f.name());
        off.add(table);
        oov.add(f instanceof FittedFeature.Categorical c && c.hashBuckets() == null ? c.oovBuckets() : 0);
        table += f.cardinality();
      }
    }
    for (String f : features) {
      boolean known = transform.features().stream().anyMatch(x -> x.name().equals(f));
      if (!known) {
        throw new IllegalArgumentException("model feature '" + f + "' is not a dataset feature " + transform.cardinalities().keySet());
      }
    }
    if (attention) {
      if (seq.isEmpty()) {
        throw new dev.tandem.config.ConfigException("model.history_pooling", "attention pools history_items features, and the model has none: "
            + "add one such as {name: recent_items, kind: history_items, of: user, n: 20} or use mean");
      }
      if (!cat.contains(candidate)) {
        throw new dev.tandem.config.ConfigException("model.history_pooling", "attention weighs the history by its similarity to the candidate "
            + "item, so the model needs the categorical feature '" + candidate + "' among its inputs");
      }
    }
    float[] emptyDense = new float[dense.size()];
    for (int j = 0; j < emptyDense.length; j++) {
      Double v = transform.encodedWithoutUserHistory(dense.get(j));
      emptyDense[j] = v == null ? Float.NaN : v.floatValue();
    }
    int[] emptyIndex = new int[cat.size()];
    for (int j = 0; j < emptyIndex.length; j++) {
      Double v = transform.encodedWithoutUserHistory(cat.get(j));
      emptyIndex[j] = v == null ? -1 : v.intValue();
    }
    return new InputGroup(name, List.copyOf(cat), off.stream().mapToInt(Integer::intValue).toArray(), table, List.copyOf(multi),
        moff.stream().mapToInt(Integer::intValue).toArray(), width, List.copyOf(dense), oov.stream().mapToInt(Integer::intValue).toArray(),
        List.copyOf(seq), soff.stream().mapToInt(Integer::intValue).toArray(), seqWidth, attention ? candidate : null,
        slen.stream().mapToInt(Integer::intValue).toArray(), emptyDense, emptyIndex);
  }

  /**
   * Feature dropout for training: with probability {@code p} per example, replaces a feature's index by an
   * out-of-vocabulary bucket (or "missing" for features without one), in the {@code _cat} array {@code arrays[0]}.
   * Ids dropped this way teach the model to serve users and items it has never seen from their other features, and
   * train the OOV embedding that such users get at serving time.
   */
  public void dropout(INDArray cat, Map<String, Double> probability, SplittableRandom r) {
    if (probability == null || probability.isEmpty() || !hasCategorical()) {
      return;
    }
    int n = (int) cat.size(0);
    int f = categorical.size();
    for (int j = 0; j < f; j++) {
      Double p = probability.get(categorical.get(j));
      if (p == null || p <= 0) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        if (r.nextDouble() < p) {
          int replacement = oovBuckets[j] > 0 ? 1 + r.nextInt(oovBuckets[j]) : 0;
          cat.putScalar(i, j, offsets[j] + replacement);
        }
      }
    }
  }

  /**
   * History dropout for training: with probability {@code p} per example, shows the example as its user's first event,
   * without any earlier history: item lists emptied, the user's history counts, rates, means and times set to what a
   * user without events gets. A test period holds users whose history begins after training (every user, when
   * retrieval is scored as of the split start), while nearly every training example has some history; hiding it in
   * some examples trains that case. Item-side history is left as it is.
   *
   * @param arrays the group's arrays as {@link #arrays} made them, changed in place
   */
  public void hideHistory(INDArray[] arrays, double p, SplittableRandom r) {
    if (p <= 0) {
      return;
    }
    int n = (int) arrays[0].size(0);
    int a = 0;
    INDArray cat = hasCategorical() ? arrays[a++] : null;
    if (hasMulti()) {
      a++;
    }
    INDArray den = hasDense() ? arrays[a++] : null;
    int listsAt = a;
    for (int i = 0; i < n; i++) {
      if (r.nextDouble() >= p) {
        continue;
      }
      for (int j = 0; cat != null && j < withoutHistoryIndex.length; j++) {
        if (withoutHistoryIndex[j] >= 0) {
          cat.putScalar(i, j, offsets[j] + withoutHistoryIndex[j]);
        }
      }
      for (int j = 0; den != null && j < withoutHistoryDense.length; j++) {
        if (!Float.isNaN(withoutHistoryDense[j])) {
          den.putScalar(i, j, withoutHistoryDense[j]);
        }
      }
      if (attends()) {
        for (int j = 0; j < sequences.size(); j++) {
          INDArray slots = arrays[listsAt + 2 * j];
          INDArray present = arrays[listsAt + 2 * j + 1];
          for (int k = 0; k < sequenceLengths[j]; k++) {
            slots.putScalar(i, k + 1, 0);
            present.putScalar(i, k, 0);
          }
        }
      } else if (hasSequences()) {
        arrays[listsAt].getRow(i).assign(0);
      }
    }
  }

  @JsonIgnore
  public boolean hasCategorical() {
    return !categorical.isEmpty();
  }

  @JsonIgnore
  public boolean hasMulti() {
    return !multiHot.isEmpty();
  }

  @JsonIgnore
  public boolean hasSequences() {
    return !sequences.isEmpty();
  }

  /** Whether item lists are attended from the candidate item rather than averaged. */
  @JsonIgnore
  public boolean attends() {
    return attendFrom != null && hasSequences();
  }

  /** The graph input of item list {@code j} when the group {@link #attends()}. */
  public String historyInput(int j) {
    return name + "_hist" + j;
  }

  /** The graph input marking the filled slots of item list {@code j} when the group {@link #attends()}. */
  public String historyMaskInput(int j) {
    return name + "_histmask" + j;
  }

  /** The embedding rows item list {@code j} indexes (its item feature's cardinality). */
  public int sequenceRows(int j) {
    return (j + 1 < sequences.size() ? sequenceOffsets[j + 1] : sequenceWidth) - sequenceOffsets[j];
  }

  @JsonIgnore
  public boolean hasDense() {
    return !dense.isEmpty();
  }

  /** Names of this group's graph inputs, in the order {@link #arrays} returns them. */
  @JsonIgnore
  public List<String> inputNames() {
    List<String> out = new ArrayList<>();
    if (hasCategorical()) {
      out.add(name + "_cat");
    }
    if (hasMulti()) {
      out.add(name + "_multi");
    }
    if (hasDense()) {
      out.add(name + "_dense");
    }
    if (hasSequences()) {
      if (attends()) {
        for (int j = 0; j < sequences.size(); j++) {
          out.add(historyInput(j));
          out.add(historyMaskInput(j));
        }
      } else {
        out.add(name + "_seq");
      }
    }
    return out;
  }

  /** Every feature of the group. */
  @JsonIgnore
  public List<String> features() {
    List<String> out = new ArrayList<>(categorical);
    out.addAll(multiHot);
    out.addAll(dense);
    out.addAll(sequences);
    return out;
  }

  /**
   * The group's input arrays for {@code n} examples; {@code source} gives, per feature, the encoded column and the row
   * of each example in it.
   */
  public INDArray[] arrays(int n, RowSource source) {
    List<INDArray> out = new ArrayList<>(3);
    if (hasCategorical()) {
      int f = categorical.size();
      float[] v = new float[n * f];
      for (int j = 0; j < f; j++) {
        int[] col = ((EncodedColumn.Index) source.column(categorical.get(j))).values();
        int[] rows = source.rows(categorical.get(j));
        int base = offsets[j];
        for (int i = 0; i < n; i++) {
          v[i * f + j] = base + col[rows[i]];
        }
      }
      out.add(Nd4j.create(v, new long[] {n, f}, 'c'));
    }
    if (hasMulti()) {
      float[] v = new float[n * multiWidth];
      int[] count = new int[n];
      for (int j = 0; j < multiHot.size(); j++) {
        EncodedColumn.MultiIndex col = (EncodedColumn.MultiIndex) source.column(multiHot.get(j));
        int[] rows = source.rows(multiHot.get(j));
        int base = multiOffsets[j];
        for (int i = 0; i < n; i++) {
          int r = rows[i];
          for (int k = col.offsets()[r]; k < col.offsets()[r + 1]; k++) {
            v[i * multiWidth + base + col.values()[k]] = 1f;
            count[i]++;
          }
        }
      }
      for (int i = 0; i < n; i++) {
        if (count[i] > 1) {
          float s = 1f / count[i];
          for (int k = 0; k < multiWidth; k++) {
            v[i * multiWidth + k] *= s;
          }
        }
      }
      out.add(Nd4j.create(v, new long[] {n, multiWidth}, 'c'));
    }
    if (hasDense()) {
      int d = dense.size();
      float[] v = new float[n * d];
      for (int j = 0; j < d; j++) {
        float[] col = ((EncodedColumn.Real) source.column(dense.get(j))).values();
        int[] rows = source.rows(dense.get(j));
        for (int i = 0; i < n; i++) {
          v[i * d + j] = col[rows[i]];
        }
      }
      out.add(Nd4j.create(v, new long[] {n, d}, 'c'));
    }
    if (attends()) {
      EncodedColumn.Index cand = (EncodedColumn.Index) source.column(attendFrom);
      int[] candRows = source.rows(attendFrom);
      for (int j = 0; j < sequences.size(); j++) {
        EncodedColumn.MultiIndex col = (EncodedColumn.MultiIndex) source.column(sequences.get(j));
        int[] rows = source.rows(sequences.get(j));
        int slots = 1 + sequenceLengths[j];
        float[] v = new float[n * slots];
        float[] present = new float[n * (slots - 1)];
        for (int i = 0; i < n; i++) {
          v[i * slots] = cand.values()[candRows[i]] + 1;
          int r = rows[i];
          int from = col.offsets()[r];
          int to = Math.min(col.offsets()[r + 1], from + sequenceLengths[j]);
          for (int k = from; k < to; k++) {
            v[i * slots + 1 + k - from] = col.values()[k] + 1;
            present[i * (slots - 1) + k - from] = 1f;
          }
        }
        out.add(Nd4j.create(v, new long[] {n, slots}, 'c'));
        out.add(Nd4j.create(present, new long[] {n, slots - 1}, 'c'));
      }
    } else if (hasSequences()) {
      // one k-hot block per item list, each normalised by its own length: the mean of its items' embeddings
      float[] v = new float[n * sequenceWidth];
      for (int j = 0; j < sequences.size(); j++) {
        EncodedColumn.MultiIndex col = (EncodedColumn.MultiIndex) source.column(sequences.get(j));
        int[] rows = source.rows(sequences.get(j));
        int base = sequenceOffsets[j];
        for (int i = 0; i < n; i++) {
          int r = rows[i];
          int from = col.offsets()[r];
          int to = col.offsets()[r + 1];
          float w = to > from ? 1f / (to - from) : 0f;
          for (int k = from; k < to; k++) {
            v[i * sequenceWidth + base + col.values()[k]] += w;
          }
        }
      }
      out.add(Nd4j.create(v, new long[] {n, sequenceWidth}, 'c'));
    }
    return out.toArray(new INDArray[0]);
  }

  /** Where the examples' feature values are: an encoded column per feature, and each example's row in it. */
  public interface RowSource {
    /** The encoded column holding a feature's values (of users, items or events, as the feature's entity says). */
    EncodedColumn column(String feature);

    /** Each example's row in that column, one per example. */
    int[] rows(String feature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputGroup g && g.name.equals(name) && g.categorical.equals(categorical) && Arrays.equals(g.offsets, offsets)
        && g.tableSize == tableSize && g.multiHot.equals(multiHot) && Arrays.equals(g.multiOffsets, multiOffsets)
        && g.multiWidth == multiWidth && g.dense.equals(dense) && Arrays.equals(g.oovBuckets, oovBuckets)
        && g.sequences.equals(sequences) && Arrays.equals(g.sequenceOffsets, sequenceOffsets) && g.sequenceWidth == sequenceWidth
        && Objects.equals(g.attendFrom, attendFrom) && Arrays.equals(g.sequenceLengths, sequenceLengths)
        && Arrays.equals(g.withoutHistoryDense, withoutHistoryDense) && Arrays.equals(g.withoutHistoryIndex, withoutHistoryIndex);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, categorical, tableSize, multiHot, multiWidth, dense);
  }

  @Override
  public String toString() {
    return "InputGroup[" + name + ": cat=" + categorical + " (table " + tableSize + "), multi=" + multiHot + " (" + multiWidth + "), dense=" + dense + "]";
  }
}

package dev.tandem.trainer.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class InProcessEmbeddingStoreTest {

  private static InProcessEmbeddingStore store(RowOptimizer opt, int dim) {
    return new InProcessEmbeddingStore(List.of(TableSpec.unbounded("t", dim, 1000, opt, 7)));
  }

  private static float[] pull(EmbeddingStore s, long step, long... ids) {
    float[] out = new float[ids.length * s.tables().get(0).dim()];
    int[] counts = new int[ids.length];
    java.util.Arrays.fill(counts, 1);
    s.pull(0, step, ids, counts, ids.length, out);
    return out;
  }

  private static float[] lookup(EmbeddingStore s, long... ids) {
    float[] out = new float[ids.length * s.tables().get(0).dim()];
    s.lookup(0, ids, ids.length, out);
    return out;
  }

  @Test
  void adaGradMatchesHandComputedSteps() {
    InProcessEmbeddingStore s = store(new RowOptimizer.AdaGrad(1e-6), 2);
    float[] w = pull(s, 0, 5);
    double lr = 0.1;
    float[] g1 = {0.5f, -2f};
    s.push(0, 0, new long[] {5}, 1, g1, lr);
    // h = eps + g^2; w -= lr g / (sqrt(h) + eps)
    double[] h = {1e-6 + 0.25, 1e-6 + 4};
    double[] expect = {w[0] - lr * 0.5 / (Math.sqrt(h[0]) + 1e-6), w[1] - lr * -2 / (Math.sqrt(h[1]) + 1e-6)};
    float[] after = lookup(s, 5);
    assertEquals(expect[0], after[0], 1e-6);
    assertEquals(expect[1], after[1], 1e-6);
    float[] g2 = {1f, 1f};
    s.push(0, 1, new long[] {5}, 1, g2, lr);
    h[0] += 1;
    h[1] += 1;
    expect[0] -= lr / (Math.sqrt(h[0]) + 1e-6);
    expect[1] -= lr / (Math.sqrt(h[1]) + 1e-6);
    after = lookup(s, 5);
    assertEquals(expect[0], after[0], 1e-6);
    assertEquals(expect[1], after[1], 1e-6);
  }

  @Test
  void rowwiseAdaGradSharesOneAccumulatorPerRow() {
    InProcessEmbeddingStore s = store(new RowOptimizer.RowwiseAdaGrad(1e-6), 2);
    float[] w = pull(s, 0, 3);
    s.push(0, 0, new long[] {3}, 1, new float[] {3f, -1f}, 0.5);
    double h = 1e-6 + (9 + 1) / 2.0;
    float[] after = lookup(s, 3);
    assertEquals(w[0] - 0.5 * 3 / (Math.sqrt(h) + 1e-6), after[0], 1e-6);
    assertEquals(w[1] - 0.5 * -1 / (Math.sqrt(h) + 1e-6), after[1], 1e-6);
    assertEquals(4 * 3, s.stats(0).idealBytesPerRow()); // 2 floats + 1 accumulator
  }

  @Test
  void lazyAdamMatchesHandComputedStepsAndUsesTheGlobalStepForBiasCorrection() {
    InProcessEmbeddingStore s = store(new RowOptimizer.LazyAdam(0.9, 0.999, 1e-8), 1);
    float w = pull(s, 0, 1)[0];
    double lr = 0.01;
    // step 0: t = 1
    double m = 0.1 * 2.0;
    double v = 0.001 * 4.0;
    double alpha = lr * Math.sqrt(1 - 0.999) / (1 - 0.9);
    double expect = w - alpha * m / (Math.sqrt(v) + 1e-8);
    s.push(0, 0, new long[] {1}, 1, new float[] {2f}, lr);
    assertEquals(expect, lookup(s, 1)[0], 1e-6);
    // the row is absent for steps 1..4 (nothing changes), back at step 5: t = 6, moments not decayed meanwhile
    m = 0.9 * m + 0.1 * -1.0;
    v = 0.999 * v + 0.001 * 1.0;
    alpha = lr * Math.sqrt(1 - Math.pow(0.999, 6)) / (1 - Math.pow(0.9, 6));
    expect -= alpha * m / (Math.sqrt(v) + 1e-8);
    s.push(0, 5, new long[] {1}, 1, new float[] {-1f}, lr);
    assertEquals(expect, lookup(s, 1)[0], 1e-6);
  }

  @Test
  void onlyPushedRowsChange() {
    InProcessEmbeddingStore s = store(RowOptimizer.of(RowOptimizer.Kind.LAZY_ADAM), 4);
    long[] all = new long[100];
    for (int i = 0; i < 100; i++) {
      all[i] = i * 7L;
    }
    float[] before = pull(s, 0, all);
    float[] g = new float[3 * 4];
    java.util.Arrays.fill(g, 0.3f);
    s.push(0, 0, new long[] {14, 70, 693}, 3, g, 0.01);
    float[] after = lookup(s, all);
    for (int i = 0; i < 100; i++) {
      boolean touched = all[i] == 14 || all[i] == 70 || all[i] == 693;
      float[] b = java.util.Arrays.copyOfRange(before, i * 4, i * 4 + 4);
      float[] a = java.util.Arrays.copyOfRange(after, i * 4, i * 4 + 4);
      if (touched) {
        assertNotEquals(b[0], a[0], "row " + all[i] + " was pushed");
      } else {
        assertArrayEquals(b, a, "row " + all[i] + " was not pushed");
      }
    }
    assertEquals(100, s.stats(0).rows());
    assertEquals(100, s.stats(0).admitted());
  }

  @Test
  void rowsAreAFunctionOfTheIdNotOfAdmissionOrder() {
    InProcessEmbeddingStore a = store(new RowOptimizer.Sgd(), 8);
    InProcessEmbeddingStore b = store(new RowOptimizer.Sgd(), 8);
    float[] ra = pull(a, 0, 1, 2, 3);
    pull(b, 0, 3);
    pull(b, 1, 2);
    float[] rb = pull(b, 2, 1, 2, 3);
    assertArrayEquals(ra, rb);
  }

  @Test
  void admitsAnIdOnlyAfterItWasSeenEnoughTimesAndDropsGradientsOfRefusedIds() {
    TableSpec spec = new TableSpec("t", 2, 1000, new RowOptimizer.Sgd(), 0, 0.05, 1, 3, 0, TableSpec.Eviction.LRU, 0, 1 << 10);
    InProcessEmbeddingStore s = new InProcessEmbeddingStore(List.of(spec));
    assertArrayEquals(new float[] {0, 0}, pull(s, 0, 9));
    s.push(0, 0, new long[] {9}, 1, new float[] {1, 1}, 0.1);
    assertArrayEquals(new float[] {0, 0}, pull(s, 1, 9));
    assertEquals(2, s.stats(0).refused());
    assertEquals(1, s.stats(0).droppedGradients());
    assertFalse(s.holds(0, 9));
    float[] third = pull(s, 2, 9);
    assertTrue(s.holds(0, 9));
    assertNotEquals(0f, third[0]);
    assertEquals(1, s.stats(0).admitted());
    // an id seen three times in one batch is admitted at once
    float[] out = new float[2];
    s.pull(0, 3, new long[] {11}, new int[] {3}, 1, out);
    assertTrue(s.holds(0, 11));
    assertEquals(2, s.stats(0).admitted());
    assertEquals(2, s.stats(0).rows());
  }

  @Test
  void aFullTableEvictsTheLeastRecentlyUsedRow() {
    TableSpec spec = new TableSpec("t", 2, 1000, new RowOptimizer.Sgd(), 0, 0.05, 1, 1, 4, TableSpec.Eviction.LRU, 0, 1 << 10);
    InProcessEmbeddingStore s = new InProcessEmbeddingStore(List.of(spec));
    for (int i = 0; i < 4; i++) {
      pull(s, i, i);
    }
    pull(s, 4, 0); // id 0 used again: id 1 is now the least recently used
    pull(s, 5, 100);
    assertTrue(s.holds(0, 0));
    assertFalse(s.holds(0, 1));
    assertTrue(s.holds(0, 100));
    TableStats st = s.stats(0);
    assertEquals(4, st.rows());
    assertEquals(5, st.admitted());
    assertEquals(1, st.evicted());
    // a step that reads four rows leaves nothing to evict for a fifth: refused, not evicted from under the batch
    pull(s, 6, 0, 2, 3, 100, 200);
    assertFalse(s.holds(0, 200));
    assertEquals(1, s.stats(0).refused());
    assertEquals(1, s.stats(0).evicted());
  }

  @Test
  void aFullLfuTableEvictsTheLeastFrequentlySeenRow() {
    TableSpec spec = new TableSpec("t", 2, 1000, new RowOptimizer.Sgd(), 0, 0.05, 1, 1, 3, TableSpec.Eviction.LFU, 0, 1 << 10);
    InProcessEmbeddingStore s = new InProcessEmbeddingStore(List.of(spec));
    float[] out = new float[6];
    s.pull(0, 0, new long[] {1, 2, 3}, new int[] {5, 2, 4}, 3, out);
    s.pull(0, 1, new long[] {2}, new int[] {1}, 1, out); // id 2 is the most recent but the least frequent (3)
    s.pull(0, 2, new long[] {4}, new int[] {1}, 1, out);
    assertFalse(s.holds(0, 2));
    assertTrue(s.holds(0, 1) && s.holds(0, 3) && s.holds(0, 4));
  }

  @Test
  void rowsOlderThanMaxAgeAreEvicted() {
    TableSpec spec = new TableSpec("t", 2, 1000, new RowOptimizer.Sgd(), 0, 0.05, 1, 1, 0, TableSpec.Eviction.LRU, 8, 1 << 10);
    InProcessEmbeddingStore s = new InProcessEmbeddingStore(List.of(spec));
    pull(s, 0, 1, 2);
    for (int step = 1; step <= 8; step++) {
      pull(s, step, 2);
    }
    assertTrue(s.holds(0, 1)); // 8 steps old: max age, kept
    pull(s, 9, 2);
    assertFalse(s.holds(0, 1));
    assertTrue(s.holds(0, 2));
    assertEquals(1, s.stats(0).evicted());
    pull(s, 11, 1); // comes back as a new row
    assertTrue(s.holds(0, 1));
    assertEquals(3, s.stats(0).admitted());
  }

  @Test
  void refusesIdsOutsideTheIdSpace() {
    InProcessEmbeddingStore s = store(new RowOptimizer.Sgd(), 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pull(s, 0, 1000));
    assertTrue(e.getMessage().contains("id 1000 outside [0, 1000)"), e.getMessage());
  }

  @Test
  void aSnapshotContinuesExactly() throws Exception {
    TableSpec spec = new TableSpec("t", 3, 1 << 20, RowOptimizer.of(RowOptimizer.Kind.LAZY_ADAM), 1e-4, 0.05, 3, 2, 50,
        TableSpec.Eviction.LFU, 20, 1 << 10);
    InProcessEmbeddingStore a = new InProcessEmbeddingStore(List.of(spec));
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    for (int step = 0; step < 30; step++) {
      trainStep(a, step, r);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    a.write(new DataOutputStream(bytes));
    InProcessEmbeddingStore b = InProcessEmbeddingStore.read(List.of(spec), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertEquals(counters(a.stats(0)), counters(b.stats(0)));
    java.util.SplittableRandom ra = new java.util.SplittableRandom(2);
    java.util.SplittableRandom rb = new java.util.SplittableRandom(2);
    for (int step = 30; step < 60; step++) {
      trainStep(a, step, ra);
      trainStep(b, step, rb);
    }
    assertEquals(counters(a.stats(0)), counters(b.stats(0)));
    assertArrayEquals(a.ids(0), b.ids(0));
    assertArrayEquals(lookup(a, a.ids(0)), lookup(b, b.ids(0)));
    assertTrue(a.stats(0).evicted() > 0 && a.stats(0).refused() > 0, a.stats(0).toString());

    TableSpec other = new TableSpec("t", 4, 1 << 20, RowOptimizer.of(RowOptimizer.Kind.LAZY_ADAM), 0, 0.05, 3, 2, 50,
        TableSpec.Eviction.LFU, 20, 1 << 10);
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> InProcessEmbeddingStore.read(List.of(other), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
    assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
  }

  private static List<Long> counters(TableStats s) {
    return List.of(s.rows(), s.allocatedRows(), s.admitted(), s.evicted(), s.refused(), s.droppedGradients());
  }

  private static void trainStep(InProcessEmbeddingStore s, long step, java.util.SplittableRandom r) {
    long[] ids = r.longs(0, 200).distinct().limit(20).toArray();
    int[] counts = new int[ids.length];
    java.util.Arrays.fill(counts, 1);
    float[] rows = new float[ids.length * 3];
    s.pull(0, step, ids, counts, ids.length, rows);
    float[] g = new float[rows.length];
    for (int i = 0; i < g.length; i++) {
      g[i] = rows[i] - 0.1f * (i % 3);
    }
    s.push(0, step, ids, ids.length, g, 0.01);
  }

  @Test
  void idSlotsSurviveChurn() {
    IdSlots m = new IdSlots(4);
    java.util.Map<Long, Integer> ref = new java.util.HashMap<>();
    java.util.SplittableRandom r = new java.util.SplittableRandom(5);
    for (int i = 0; i < 20000; i++) {
      long id = r.nextLong(3000);
      if (ref.containsKey(id)) {
        m.remove(id);
        ref.remove(id);
      } else {
        m.put(id, i);
        ref.put(id, i);
      }
    }
    assertEquals(ref.size(), m.size());
    for (long id = 0; id < 3000; id++) {
      assertEquals(ref.getOrDefault(id, -1), m.get(id), "id " + id);
    }
  }
}

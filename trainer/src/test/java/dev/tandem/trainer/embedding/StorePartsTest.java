package dev.tandem.trainer.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.trainer.embedding.InProcessEmbeddingStore.Part;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore.Row;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StorePartsTest {
  /** A bounded table that admits on the second sighting, evicts by frequency and by age; and an unbounded one. */
  private static final List<TableSpec> SPECS = List.of(
      new TableSpec("user", 3, 1 << 20, RowOptimizer.of(RowOptimizer.Kind.LAZY_ADAM), 1e-4, 0.05, 3, 2, 40, TableSpec.Eviction.LFU, 20,
          1 << 10),
      new TableSpec("item", 2, 5000, RowOptimizer.of(RowOptimizer.Kind.ADAGRAD), 0, 0.05, 5, 1, 0, TableSpec.Eviction.LRU, 0, 1 << 10));

  private static InProcessEmbeddingStore[] cluster(int shards) {
    InProcessEmbeddingStore[] out = new InProcessEmbeddingStore[shards];
    for (int k = 0; k < shards; k++) {
      out[k] = new InProcessEmbeddingStore(SPECS, k, shards);
    }
    return out;
  }

  /** One training step of a sharded store: each table's batch is routed to its shards, pulled and pushed. */
  private static void step(InProcessEmbeddingStore[] shards, long step, SplittableRandom r) {
    for (int table = 0; table < SPECS.size(); table++) {
      int dim = SPECS.get(table).dim();
      long[] ids = r.longs(0, (table == 0 ? 150 : 300) + 2 * step).distinct().limit(25).toArray(); // new ids keep coming
      int[] counts = r.ints(ids.length, 1, 3).toArray();
      for (int k = 0; k < shards.length; k++) {
        long[] mine = new long[ids.length];
        int[] mineCounts = new int[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
          if (ShardRouting.shardOf(table, ids[i], shards.length) == k) {
            mine[n] = ids[i];
            mineCounts[n++] = counts[i];
          }
        }
        float[] rows = new float[n * dim];
        shards[k].pull(table, step, mine, mineCounts, n, rows);
        float[] g = new float[rows.length];
        for (int i = 0; i < g.length; i++) {
          g[i] = rows[i] - 0.1f * (i % dim) + 0.01f * (step % 5);
        }
        shards[k].push(table, step, mine, n, g, 0.01);
      }
    }
  }

  private static void train(InProcessEmbeddingStore[] shards, long from, long to, SplittableRandom r) {
    for (long s = from; s < to; s++) {
      step(shards, s, r);
    }
  }

  private static byte[] part(InProcessEmbeddingStore s, boolean delta) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    s.writePart(new DataOutputStream(b), delta);
    return b.toByteArray();
  }

  private static List<Part> parts(List<byte[]> bytes) {
    List<Part> out = new ArrayList<>();
    for (int i = 0; i < bytes.size(); i++) {
      out.add(new Part("part-" + i, new ByteArrayInputStream(bytes.get(i))));
    }
    return out;
  }

  private static InProcessEmbeddingStore[] restore(List<TableSpec> specs, List<byte[]> bytes, int shards) throws IOException {
    InProcessEmbeddingStore[] out = new InProcessEmbeddingStore[shards];
    for (int k = 0; k < shards; k++) {
      out[k] = InProcessEmbeddingStore.restoreShard(specs, parts(bytes), k, shards);
    }
    return out;
  }

  /** Every row of every shard, keyed by table and id; checks each id lies in the shard routing names. */
  private static Map<String, Row> union(InProcessEmbeddingStore[] shards) {
    Map<String, Row> out = new HashMap<>();
    for (int k = 0; k < shards.length; k++) {
      for (int t = 0; t < SPECS.size(); t++) {
        for (long id : shards[k].ids(t)) {
          assertEquals(k, ShardRouting.shardOf(t, id, shards.length), "table " + t + " id " + id + " of " + shards.length + " shards");
          Row prev = out.put(t + ":" + id, shards[k].row(t, id));
          assertEquals(null, prev, "id " + id + " in two shards");
        }
      }
    }
    return out;
  }

  /** Not bytes: the capacity of the free-slot stack and of the id map depend on history, not on what they hold. */
  private static List<Long> counters(TableStats s) {
    return List.of(s.rows(), s.allocatedRows(), s.admitted(), s.evicted(), s.refused(), s.droppedGradients());
  }

  /** Same slots, same rows with the same recency, frequency and state, same counters and admission sketch. */
  private static void assertSameStore(InProcessEmbeddingStore a, InProcessEmbeddingStore b) {
    for (int t = 0; t < SPECS.size(); t++) {
      assertArrayEquals(a.ids(t), b.ids(t), "table " + t + ": ids in slot order");
      for (long id : a.ids(t)) {
        assertEquals(a.row(t, id), b.row(t, id), "table " + t + " id " + id);
      }
      assertEquals(counters(a.stats(t)), counters(b.stats(t)), "table " + t);
      assertEquals(a.tables[t].lastSweep, b.tables[t].lastSweep);
      CountMinSketch sa = a.tables[t].sketch;
      CountMinSketch sb = b.tables[t].sketch;
      assertEquals(sa == null, sb == null);
      if (sa != null) {
        assertArrayEquals(sa.counts, sb.counts, "table " + t + ": sketch");
      }
    }
  }

  @Test
  void aFullPartRoundTrips() throws IOException {
    InProcessEmbeddingStore[] a = cluster(1);
    train(a, 0, 40, new SplittableRandom(1));
    assertTrue(a[0].stats(0).evicted() > 0 && a[0].stats(0).refused() > 0, a[0].stats(0).toString());
    for (long id = 0; id < 5000; id++) { // a part of several 64 KiB chunks
      a[0].assign(1, id, new float[] {id, -id});
    }
    byte[] full = part(a[0], false);
    assertTrue(full.length > 3 * StoreParts.CHUNK, full.length + " bytes");
    byte[] damaged = full.clone();
    damaged[2 * StoreParts.CHUNK + 100] ^= 4;
    assertMessage(() -> restore(SPECS, List.of(damaged), 1), "part-0 fails its checksum (the chunk at body byte " + 2 * StoreParts.CHUNK + ")");
    InProcessEmbeddingStore b = restore(SPECS, List.of(full), 1)[0];
    assertSameStore(a[0], b);
    // the restored store's own full part restores to the same store again
    InProcessEmbeddingStore c = restore(SPECS, List.of(part(b, false)), 1)[0];
    assertSameStore(a[0], c);
    assertEquals(union(new InProcessEmbeddingStore[] {a[0]}), union(new InProcessEmbeddingStore[] {c}));
  }

  @Test
  void aRestoreOntoTheSameShardsContinuesBitForBit() throws IOException {
    InProcessEmbeddingStore[] a = cluster(2);
    SplittableRandom r = new SplittableRandom(2);
    train(a, 0, 30, r);
    List<byte[]> bytes = new ArrayList<>(List.of(part(a[0], false), part(a[1], false)));
    train(a, 30, 45, r);
    bytes.add(part(a[0], true));
    bytes.add(part(a[1], true));
    InProcessEmbeddingStore[] b = restore(SPECS, bytes, 2);
    for (int k = 0; k < 2; k++) {
      assertSameStore(a[k], b[k]);
    }
    long evictedBefore = a[0].stats(0).evicted() + a[1].stats(0).evicted();
    long refusedBefore = a[0].stats(0).refused() + a[1].stats(0).refused();
    SplittableRandom ra = new SplittableRandom(3);
    SplittableRandom rb = new SplittableRandom(3);
    train(a, 45, 90, ra);
    train(b, 45, 90, rb);
    for (int k = 0; k < 2; k++) {
      assertSameStore(a[k], b[k]);
    }
    // the continuation did evict (capacity and age) and refuse (admit_after 2), so slots and sketch mattered
    assertTrue(a[0].stats(0).evicted() + a[1].stats(0).evicted() > evictedBefore);
    assertTrue(a[0].stats(0).refused() + a[1].stats(0).refused() > refusedBefore);
  }

  @Test
  void twoShardsRestoreOntoThreeAndThenOne() throws IOException {
    InProcessEmbeddingStore[] two = cluster(2);
    SplittableRandom r = new SplittableRandom(4);
    train(two, 0, 40, r);
    List<byte[]> bytes = new ArrayList<>(List.of(part(two[0], false), part(two[1], false)));
    train(two, 40, 55, r);
    bytes.add(part(two[0], true));
    bytes.add(part(two[1], true));
    Map<String, Row> rows = union(two);
    assertTrue(rows.size() > 100, rows.size() + " rows");

    InProcessEmbeddingStore[] three = restore(SPECS, bytes, 3);
    assertEquals(rows, union(three));
    for (int t = 0; t < SPECS.size(); t++) {
      assertEquals(two[0].stats(t).admitted() + two[1].stats(t).admitted(), three[0].stats(t).admitted(), "totals go to shard 0");
      assertEquals(two[0].stats(t).refused() + two[1].stats(t).refused(), three[0].stats(t).refused());
      assertEquals(0, three[1].stats(t).admitted());
      assertEquals(Math.max(two[0].tables[t].lastSweep, two[1].tables[t].lastSweep), three[2].tables[t].lastSweep);
    }
    int[] summed = two[0].tables[0].sketch.counts.clone();
    for (int c = 0; c < summed.length; c++) {
      summed[c] += two[1].tables[0].sketch.counts[c];
    }
    for (InProcessEmbeddingStore s : three) {
      assertArrayEquals(summed, s.tables[0].sketch.counts, "each new shard's sketch is the sum of the old shards'");
    }
    for (int k = 0; k < 3; k++) {
      assertEquals(k, three[k].shard());
      assertEquals(3, three[k].shards());
    }

    List<byte[]> again = new ArrayList<>();
    for (InProcessEmbeddingStore s : three) {
      again.add(part(s, false));
    }
    InProcessEmbeddingStore[] one = restore(SPECS, again, 1);
    assertEquals(rows, union(one));
    // the bounded table now holds more rows than its capacity of 40: it keeps them and only evicts to admit
    assertTrue(one[0].stats(0).rows() > 40, one[0].stats(0).toString());
    long held = one[0].stats(0).rows();
    train(one, 55, 60, new SplittableRandom(5));
    assertTrue(one[0].stats(0).rows() <= held, one[0].stats(0).toString());
  }

  @Test
  void aFullAndItsDeltaEqualAFullWrittenAtTheSameMoment() throws IOException {
    InProcessEmbeddingStore[] a = cluster(1);
    SplittableRandom r = new SplittableRandom(6);
    train(a, 0, 30, r);
    byte[] full1 = part(a[0], false);
    Map<String, Row> atFull = union(a);
    train(a, 30, 32, r);
    byte[] early = part(a[0], true); // a delta does not reset the tracking: the later one still has these changes
    train(a, 32, 34, r);
    // a row only read since the full part (its recency and frequency change, its floats do not)
    float[] out = new float[2];
    long readOnly = a[0].ids(1)[0];
    Row before = a[0].row(1, readOnly);
    a[0].pull(1, 40, new long[] {readOnly}, new int[] {3}, 1, out);
    long expectedBytes = deltaBytes(a[0], atFull);
    byte[] delta = part(a[0], true);
    byte[] full2 = part(a[0], false);
    Map<String, Row> now = union(a);
    // between the two: rows changed, rows admitted, rows evicted
    assertTrue(now.keySet().stream().anyMatch(k -> !atFull.containsKey(k)), "rows admitted");
    assertTrue(atFull.keySet().stream().anyMatch(k -> !now.containsKey(k)), "rows evicted");
    assertTrue(now.entrySet().stream().anyMatch(e -> atFull.containsKey(e.getKey()) && !e.getValue().equals(atFull.get(e.getKey()))));
    assertNotEquals(before, a[0].row(1, readOnly));
    assertEquals(expectedBytes, delta.length, "the delta holds exactly the rows changed since the full part (full: " + full2.length + ")");
    assertTrue(delta.length < full2.length * 3 / 4, "delta " + delta.length + " bytes, full " + full2.length);
    assertTrue(early.length < delta.length);

    InProcessEmbeddingStore viaDelta = restore(SPECS, List.of(full1, delta), 1)[0];
    InProcessEmbeddingStore viaFull = restore(SPECS, List.of(full2), 1)[0];
    assertSameStore(viaFull, viaDelta);
    assertSameStore(a[0], viaDelta);
    // re-hashed (onto 2 shards) the delta applies the same way
    assertEquals(union(restore(SPECS, List.of(full2), 2)), union(restore(SPECS, List.of(full1, delta), 2)));
  }

  /**
   * The length of a delta part holding exactly the rows that are new or differ from {@code atFull} (any use of a row
   * changes its recency) and the distinct ids removed since the full part, as the format (StoreParts) lays it out.
   */
  private static long deltaBytes(InProcessEmbeddingStore s, Map<String, Row> atFull) {
    long body = 1 + 8 + 4 + 4 + 4;
    for (int t = 0; t < SPECS.size(); t++) {
      InProcessEmbeddingStore.Table tab = s.tables[t];
      long changed = 0;
      for (long id : s.ids(t)) {
        if (!s.row(t, id).equals(atFull.get(t + ":" + id))) {
          changed++;
        }
      }
      long removed = Arrays.stream(tab.removed, 0, tab.removedCount).distinct().count();
      body += 2 + SPECS.get(t).name().length() + 4 + 4 + 5 * 8 + 4 + 4 + 4 + 4L * tab.freeTop + 4 + 8 * removed + 1
          + (tab.sketch == null ? 0 : 8 + 4L * tab.sketch.counts.length) + 4 + changed * (24 + 4 * (tab.dim + tab.stateFloats));
    }
    long chunks = (body + StoreParts.CHUNK - 1) / StoreParts.CHUNK;
    return 8 + body + 8 * chunks + 8;
  }

  @Test
  void anIdEvictedAndAdmittedAgainComesBackAsARowInItsNewSlot() throws IOException {
    TableSpec spec = new TableSpec("t", 4, 100, new RowOptimizer.Sgd(), 0, 0.05, 1, 1, 4, TableSpec.Eviction.LRU, 0, 1 << 10);
    InProcessEmbeddingStore s = new InProcessEmbeddingStore(List.of(spec));
    float[] out = new float[16];
    for (int i = 0; i < 4; i++) {
      s.pull(0, i, new long[] {i}, new int[] {1}, 1, out);
    }
    byte[] full = part(s, false);
    s.pull(0, 4, new long[] {4}, new int[] {1}, 1, out); // evicts 0
    s.pull(0, 5, new long[] {0}, new int[] {1}, 1, out); // evicts 1, 0 comes back in 1's slot
    s.push(0, 5, new long[] {0}, 1, new float[] {1, 1, 1, 1}, 0.5);
    assertArrayEquals(new long[] {4, 0, 2, 3}, s.ids(0));
    byte[] delta = part(s, true);
    byte[] full2 = part(s, false);
    InProcessEmbeddingStore viaDelta = InProcessEmbeddingStore.restoreShard(List.of(spec), parts(List.of(full, delta)), 0, 1);
    InProcessEmbeddingStore viaFull = InProcessEmbeddingStore.restoreShard(List.of(spec), parts(List.of(full2)), 0, 1);
    assertArrayEquals(new long[] {4, 0, 2, 3}, viaDelta.ids(0));
    for (long id : s.ids(0)) {
      assertEquals(s.row(0, id), viaDelta.row(0, id));
      assertEquals(s.row(0, id), viaFull.row(0, id));
    }
    assertFalse(viaDelta.holds(0, 1));
    assertEquals(counters(s.stats(0)), counters(viaDelta.stats(0)));
  }

  @Test
  void idsChurningBetweenTwoFullPartsAreRememberedOnceEach() throws IOException {
    TableSpec spec = new TableSpec("t", 1, 100, new RowOptimizer.Sgd(), 0, 0.05, 1, 1, 1, TableSpec.Eviction.LRU, 0, 1 << 4);
    InProcessEmbeddingStore s = new InProcessEmbeddingStore(List.of(spec));
    float[] out = new float[1];
    s.pull(0, 0, new long[] {7}, new int[] {1}, 1, out);
    byte[] full = part(s, false);
    long[] one = new long[1];
    int[] count = {1};
    for (int step = 1; step <= 1_200_000; step++) { // every pull evicts the other of ids 0 and 1
      one[0] = step % 2;
      s.pull(0, step, one, count, 1, out);
    }
    assertEquals(1_200_000, s.stats(0).evicted());
    assertEquals(1 << 20, s.tables[0].removed.length, "the removed-id list was compacted, not doubled");
    assertTrue(s.tables[0].removedCount < 200_000, s.tables[0].removedCount + " removed ids kept");
    InProcessEmbeddingStore back = InProcessEmbeddingStore.restoreShard(List.of(spec), parts(List.of(full, part(s, true))), 0, 1);
    assertArrayEquals(new long[] {0}, back.ids(0));
    assertEquals(s.row(0, 0), back.row(0, 0));
  }

  @Test
  void aDeltaNeedsAFullPartFirst() throws IOException {
    InProcessEmbeddingStore[] a = cluster(1);
    train(a, 0, 3, new SplittableRandom(7));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> part(a[0], true));
    assertTrue(e.getMessage().contains("full part first"), e.getMessage());
    InProcessEmbeddingStore b = restore(SPECS, List.of(part(a[0], false)), 1)[0];
    assertThrows(IllegalStateException.class, () -> part(b, true));
  }

  @Test
  void everyDamagedOrTruncatedByteIsRefusedNamingThePart() throws IOException {
    TableSpec spec = new TableSpec("t", 2, 1000, new RowOptimizer.RowwiseAdaGrad(1e-6), 0, 0.05, 1, 2, 0, TableSpec.Eviction.LRU, 0, 1 << 4);
    InProcessEmbeddingStore s = new InProcessEmbeddingStore(List.of(spec));
    float[] out = new float[6];
    s.pull(0, 0, new long[] {1, 2, 3}, new int[] {2, 2, 1}, 3, out);
    byte[] full = part(s, false);
    s.pull(0, 1, new long[] {3}, new int[] {1}, 1, out);
    byte[] delta = part(s, true);
    for (byte[] good : List.of(full, delta)) {
      List<byte[]> base = good == delta ? List.of(full) : List.of();
      for (int i = 0; i < good.length; i++) {
        byte[] bad = good.clone();
        bad[i] ^= 0x10;
        assertRefused(spec, base, bad, "");
        assertRefused(spec, base, Arrays.copyOf(good, i), "");
      }
      byte[] longer = Arrays.copyOf(good, good.length + 1);
      assertRefused(spec, base, longer, "bytes after its end");
    }
    byte[] flipped = full.clone();
    flipped[20] ^= 1;
    assertRefused(spec, List.of(), flipped, "fails its checksum");
    assertRefused(spec, List.of(), Arrays.copyOf(full, full.length - 3), "is truncated");
    byte[] notAPart = full.clone();
    notAPart[0] = 'P';
    assertRefused(spec, List.of(), notAPart, "is not an embedding store checkpoint part");
    byte[] newer = full.clone();
    newer[7] = (byte) (StoreParts.FORMAT + 1);
    assertRefused(spec, List.of(), newer, "is of format " + (StoreParts.FORMAT + 1) + ", newer");
  }

  private static void assertRefused(TableSpec spec, List<byte[]> before, byte[] bad, String expect) {
    List<byte[]> all = new ArrayList<>(before);
    all.add(bad);
    List<Part> ps = parts(all);
    ps.set(all.size() - 1, new Part("damaged.part", new ByteArrayInputStream(bad)));
    IOException e = assertThrows(IOException.class, () -> InProcessEmbeddingStore.restoreShard(List.of(spec), ps, 0, 1));
    assertTrue(e.getMessage().contains("damaged.part") && e.getMessage().contains(expect), e.getMessage());
  }

  @Test
  void partsThatDoNotFitTheModelOrEachOtherAreRefusedNamingThePart() throws IOException {
    InProcessEmbeddingStore[] a = cluster(2);
    SplittableRandom r = new SplittableRandom(8);
    train(a, 0, 5, r);
    byte[] f0 = part(a[0], false);
    byte[] f1 = part(a[1], false);
    byte[] d1 = part(a[1], true);
    byte[] f1Again = part(a[1], false);
    byte[] d1Again = part(a[1], true);

    List<TableSpec> wider = List.of(SPECS.get(0), new TableSpec("item", 3, 5000, RowOptimizer.of(RowOptimizer.Kind.ADAGRAD), 0, 0.05, 5, 1,
        0, TableSpec.Eviction.LRU, 0, 1 << 10));
    assertMessage(() -> restore(wider, List.of(f0, f1), 1), "part-0 has table item (dim 2");
    List<TableSpec> renamed = List.of(SPECS.get(0), new TableSpec("movie", 2, 5000, RowOptimizer.of(RowOptimizer.Kind.ADAGRAD), 0, 0.05, 5,
        1, 0, TableSpec.Eviction.LRU, 0, 1 << 10));
    assertMessage(() -> restore(renamed, List.of(f0, f1), 2), "has table item");
    assertMessage(() -> restore(SPECS.subList(0, 1), List.of(f0, f1), 1), "part-0 has 2 tables, the model 1");
    List<TableSpec> noSketch = List.of(new TableSpec("user", 3, 1 << 20, RowOptimizer.of(RowOptimizer.Kind.LAZY_ADAM), 1e-4, 0.05, 3, 1,
        40, TableSpec.Eviction.LFU, 20, 1 << 10), SPECS.get(1));
    assertMessage(() -> restore(noSketch, List.of(f0, f1), 1), "has an admission sketch the model does not ask for");
    // the delta of a full part that is not in the checkpoint (a newer full part replaced it), two deltas, a missing shard
    assertMessage(() -> restore(SPECS, List.of(f0, f1Again, d1), 1), "part-2 is a delta of a full part that is not among");
    assertMessage(() -> restore(SPECS, List.of(f0, f1Again, d1Again, d1Again), 1), "part-3 is a second delta of full part part-1");
    assertMessage(() -> restore(SPECS, List.of(f1Again, d1Again), 2), "a shard's part is missing");
    assertMessage(() -> restore(SPECS, List.of(f0, f0), 2), "is the same full part as part part-0");
    // a part that holds rows its shard does not own
    InProcessEmbeddingStore liar = new InProcessEmbeddingStore(SPECS, 1, 2);
    liar.assign(1, firstIdOf(0, 2), new float[] {1, 2});
    assertMessage(() -> restore(SPECS, List.of(f0, part(liar, false)), 2), "which shard 1 of 2 (the writer) does not own");
  }

  private static long firstIdOf(int shard, int shards) {
    long id = 0;
    while (ShardRouting.shardOf(1, id, shards) != shard) {
      id++;
    }
    return id;
  }

  private interface Restore {
    void run() throws IOException;
  }

  private static void assertMessage(Restore r, String expect) {
    IOException e = assertThrows(IOException.class, r::run);
    assertTrue(e.getMessage().contains(expect), e.getMessage());
  }

  @Test
  void storesNotToldTheirShardStillRestoreByRehashing() throws IOException {
    // shards built with the one-argument constructor: their parts say "shard 0 of 1"; rows are re-hashed per row
    InProcessEmbeddingStore[] two = {new InProcessEmbeddingStore(SPECS), new InProcessEmbeddingStore(SPECS)};
    for (int t = 0; t < SPECS.size(); t++) {
      for (long id = 0; id < (t == 0 ? 60 : 200); id++) {
        float[] row = new float[SPECS.get(t).dim()];
        Arrays.fill(row, id);
        two[ShardRouting.shardOf(t, id, 2)].assign(t, id, row);
      }
    }
    List<byte[]> bytes = List.of(part(two[0], false), part(two[1], false));
    Map<String, Row> rows = union(two);
    assertEquals(260, rows.size());
    assertEquals(rows, union(restore(SPECS, bytes, 3)));
    InProcessEmbeddingStore[] again = restore(SPECS, bytes, 2);
    assertEquals(rows, union(again));
    assertEquals(two[0].stats(0).admitted() + two[1].stats(0).admitted(), again[0].stats(0).admitted());
  }
}

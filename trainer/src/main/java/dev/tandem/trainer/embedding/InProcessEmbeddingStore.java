package dev.tandem.trainer.embedding;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The embedding store of one machine: per table, one {@code float[]} slab of rows and one of optimizer state, indexed by
 * slot, and a primitive open-addressing map from id to slot. Tables grow (by doubling) up to their capacity; a full
 * table evicts a sampled least-recently- or least-frequently-used row to admit a new id. Everything a training run
 * needs to continue bit-for-bit (rows, state, slots, recency, frequency, sketch, counters) is written by
 * {@link #write} and read back by {@link #read}.
 *
 * <p>One shard of a sharded store (a parameter-server process) is one such store holding the rows
 * {@link ShardRouting#shardOf} sends to it, created with {@link #InProcessEmbeddingStore(List, int, int)} so its
 * checkpoint parts ({@link #writePart}) say which shard wrote them. Between two full parts the store tracks, per table,
 * the rows that changed (a bit per slot) and the ids it removed, so a delta part holds only those: rows admitted,
 * pushed, assigned, and rows merely read by a training pull (their recency and frequency changed, and eviction depends
 * on both), so a restore from a full and a delta part is exact, recency and frequency included. The cost: a bit set per
 * row a step touches, 8 bytes per id removed between two full parts, a bit per slot.
 */
public final class InProcessEmbeddingStore implements EmbeddingStore {
  /** The version of the binary snapshot {@link #write} produces. */
  public static final int FORMAT = 1;
  private static final int MAGIC = 0x54454d42; // "TEMB"
  private static final int EVICTION_SAMPLE = 16;

  private final List<TableSpec> specs;
  final Table[] tables;
  private final int shard;
  private final int shards;
  /** The id of the last full part written (0: none since this store was created or restored): what deltas refer to. */
  long base;

  /** A store that is not a shard of a larger one (shard 0 of 1). */
  public InProcessEmbeddingStore(List<TableSpec> specs) {
    this(specs, 0, 1);
  }

  /**
   * Shard {@code shard} of a store sharded {@code shards} ways by {@link ShardRouting#shardOf}: it holds the rows of the
   * ids routed to it (the caller routes; the store does not refuse other ids) and its {@link #writePart parts} carry
   * {@code (shard, shards)}, which is how a restore with the same shard count recognises each shard's own parts and
   * continues it exactly.
   *
   * @throws IllegalArgumentException when {@code shard} is outside {@code [0, shards)}
   */
  public InProcessEmbeddingStore(List<TableSpec> specs, int shard, int shards) {
    if (shards < 1 || shard < 0 || shard >= shards) {
      throw new IllegalArgumentException("shard " + shard + " of " + shards + ": need 0 <= shard < shards");
    }
    this.shard = shard;
    this.shards = shards;
    this.specs = List.copyOf(specs);
    this.tables = new Table[specs.size()];
    for (int i = 0; i < tables.length; i++) {
      tables[i] = new Table(specs.get(i));
    }
  }

  @Override
  public List<TableSpec> tables() {
    return specs;
  }

  /** This store's shard index, in {@code [0, shards())}. */
  public int shard() {
    return shard;
  }

  /** How many shards the store this one is a shard of has (1: not sharded). */
  public int shards() {
    return shards;
  }

  @Override
  public void pull(int table, long step, long[] ids, int[] counts, int n, float[] out) {
    tables[table].pull(step, ids, counts, n, out);
  }

  @Override
  public void lookup(int table, long[] ids, int n, float[] out) {
    tables[table].lookup(ids, n, out);
  }

  @Override
  public void push(int table, long step, long[] ids, int n, float[] gradients, double learningRate) {
    tables[table].push(step, ids, n, gradients, learningRate);
  }

  @Override
  public TableStats stats(int table) {
    return tables[table].stats();
  }

  @Override
  public void close() {
    for (int i = 0; i < tables.length; i++) {
      tables[i] = null;
    }
  }

  /**
   * Sets the row of {@code id} (admitting it if the table does not hold it, as a training pull would), keeping its
   * optimizer state: warm starts from rows trained elsewhere.
   */
  public void assign(int table, long id, float[] row) {
    Table t = tables[table];
    t.checkId(id);
    int slot = t.map.get(id);
    if (slot < 0) {
      slot = t.admit(t.lastSweep, id, Math.max(1, t.spec.admitAfter()));
      if (slot < 0) {
        throw new IllegalStateException("table " + t.spec.name() + " is full: no room for id " + id);
      }
    }
    System.arraycopy(row, 0, t.w, slot * t.dim, t.dim);
    t.touch(slot);
  }

  /** Whether a table holds a row for {@code id}. */
  public boolean holds(int table, long id) {
    return tables[table].map.get(id) >= 0;
  }

  /** A held row with its recency, frequency and optimizer state (copies), or null: what a checkpoint keeps of a row (tests compare stores by it). */
  Row row(int table, long id) {
    Table t = tables[table];
    int slot = t.map.get(id);
    if (slot < 0) {
      return null;
    }
    return new Row(id, t.lastUsed[slot], t.freq[slot], Arrays.copyOfRange(t.w, slot * t.dim, (slot + 1) * t.dim),
        Arrays.copyOfRange(t.s, slot * t.stateFloats, (slot + 1) * t.stateFloats));
  }

  record Row(long id, long lastUsed, int freq, float[] w, float[] s) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Row r && r.id == id && r.lastUsed == lastUsed && r.freq == freq && Arrays.equals(r.w, w) && Arrays.equals(r.s, s);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id) * 31 + Arrays.hashCode(w);
    }

    @Override
    public String toString() {
      return "Row[id=" + id + ", lastUsed=" + lastUsed + ", freq=" + freq + ", w=" + Arrays.toString(w) + ", s=" + Arrays.toString(s) + "]";
    }
  }

  /** The ids a table holds, in slot order. */
  public long[] ids(int table) {
    Table t = tables[table];
    long[] out = new long[t.rows];
    int k = 0;
    for (int s = 0; s < t.used; s++) {
      if (t.slotId[s] >= 0) {
        out[k++] = t.slotId[s];
      }
    }
    return out;
  }

  /** One table's memory and state. */
  static final class Table {
    final TableSpec spec;
    final RowOptimizer opt;
    final int dim;
    final int stateFloats;
    final IdSlots map;
    final CountMinSketch sketch;
    float[] w = new float[0];
    float[] s = new float[0];
    long[] slotId = new long[0];
    long[] lastUsed = new long[0];
    int[] freq = new int[0];
    int[] free = new int[0];
    int freeTop;
    /** slots handed out so far (the high-water mark); {@code allocated} is the arrays' length in rows */
    int used;
    int allocated;
    int rows;
    long admitted;
    long evicted;
    long refused;
    long dropped;
    long lastSweep;
    final float[] scratch;
    /** The last training pull: its ids array, step and the slots it found (-1: none), for the push that follows. */
    long[] pulledIds;
    long pulledStep = -1;
    int pulledCount;
    int[] pulledSlots = new int[0];
    /** Slots whose row changed since the last full part (a bit per slot), and the ids removed since then. */
    long[] dirty = new long[0];
    long[] removed = new long[16];
    int removedCount;

    Table(TableSpec spec) {
      this.spec = spec;
      this.opt = spec.optimizer();
      this.dim = spec.dim();
      this.stateFloats = opt.stateFloats(dim);
      this.map = new IdSlots(1024);
      this.sketch = spec.admitAfter() > 1 ? new CountMinSketch(4, spec.sketchWidth()) : null;
      this.scratch = new float[dim];
    }

    void checkId(long id) {
      if (id < 0 || id >= spec.idSpace()) {
        throw new IllegalArgumentException("table " + spec.name() + ": id " + id + " outside [0, " + spec.idSpace() + ")");
      }
    }

    void pull(long step, long[] ids, int[] counts, int n, float[] out) {
      if (spec.maxAge() > 0 && step - lastSweep >= Math.max(1, spec.maxAge() / 8)) {
        sweep(step);
      }
      // first mark every held row as used by this step, so admissions below never evict a row this batch reads
      if (pulledSlots.length < n) {
        pulledSlots = new int[n];
      }
      int[] slots = pulledSlots;
      for (int i = 0; i < n; i++) {
        checkId(ids[i]);
        int slot = map.get(ids[i]);
        slots[i] = slot;
        if (slot >= 0) {
          lastUsed[slot] = step;
          freq[slot] = saturatingAdd(freq[slot], counts[i]);
          touch(slot);
        }
      }
      for (int i = 0; i < n; i++) {
        int slot = slots[i];
        if (slot < 0) {
          slot = admit(step, ids[i], counts[i]);
        }
        slots[i] = slot;
        if (slot >= 0) {
          System.arraycopy(w, slot * dim, out, i * dim, dim);
        } else {
          Arrays.fill(out, i * dim, (i + 1) * dim, 0f);
        }
      }
      pulledIds = ids;
      pulledStep = step;
      pulledCount = n;
    }

    void lookup(long[] ids, int n, float[] out) {
      for (int i = 0; i < n; i++) {
        checkId(ids[i]);
        int slot = map.get(ids[i]);
        if (slot >= 0) {
          System.arraycopy(w, slot * dim, out, i * dim, dim);
        } else {
          Arrays.fill(out, i * dim, (i + 1) * dim, 0f);
        }
      }
    }

    void push(long step, long[] ids, int n, float[] g, double lr) {
      float decay = (float) spec.weightDecay();
      // the push of the step that pulled these very ids reuses the slots the pull found (one map probe less per row)
      boolean same = ids == pulledIds && step == pulledStep && n <= pulledCount;
      for (int i = 0; i < n; i++) {
        int slot = same && pulledSlots[i] >= 0 && slotId[pulledSlots[i]] == ids[i] ? pulledSlots[i] : map.get(ids[i]);
        if (slot < 0) {
          dropped++;
          continue;
        }
        int wOff = slot * dim;
        int gOff = i * dim;
        float[] grad = g;
        if (decay > 0) {
          for (int k = 0; k < dim; k++) {
            scratch[k] = g[gOff + k] + decay * w[wOff + k];
          }
          grad = scratch;
          gOff = 0;
        }
        opt.apply(w, wOff, s, slot * stateFloats, grad, gOff, dim, step, lr);
        touch(slot);
      }
    }

    /** Gives {@code id} a row if it has been seen often enough and there is room (or a row to evict); else -1. */
    int admit(long step, long id, int count) {
      if (sketch != null && sketch.add(id, count) < spec.admitAfter()) {
        refused++;
        return -1;
      }
      int slot;
      if (freeTop > 0) {
        slot = free[--freeTop];
      } else if (spec.capacity() == 0 || used < spec.capacity()) {
        if (used == allocated) {
          grow();
        }
        slot = used++;
      } else {
        slot = victim(step, id);
        if (slot < 0) {
          refused++;
          return -1;
        }
        removedId(slotId[slot]);
        map.remove(slotId[slot]);
        rows--;
        evicted++;
      }
      map.put(id, slot);
      slotId[slot] = id;
      lastUsed[slot] = step;
      freq[slot] = count;
      initRow(slot, id);
      touch(slot);
      rows++;
      admitted++;
      return slot;
    }

    /** The worst of a few sampled rows not used by this step; -1 if the sample has none. */
    int victim(long step, long id) {
      int best = -1;
      boolean all = used <= 4 * EVICTION_SAMPLE; // small tables: the exact worst row
      SplittableRandom r = new SplittableRandom(step * 0x9E3779B97F4A7C15L ^ id ^ spec.seed());
      for (int k = 0; k < (all ? used : EVICTION_SAMPLE); k++) {
        int c = all ? k : r.nextInt(used);
        if (slotId[c] < 0 || lastUsed[c] >= step) {
          continue;
        }
        if (best < 0 || worse(c, best)) {
          best = c;
        }
      }
      return best;
    }

    private boolean worse(int a, int b) {
      if (spec.eviction() == TableSpec.Eviction.LFU && freq[a] != freq[b]) {
        return freq[a] < freq[b];
      }
      return lastUsed[a] < lastUsed[b];
    }

    /** Evicts every row older than max age. */
    void sweep(long step) {
      lastSweep = step;
      for (int c = 0; c < used; c++) {
        if (slotId[c] >= 0 && step - lastUsed[c] > spec.maxAge()) {
          release(c);
          evicted++;
        }
      }
    }

    void release(int slot) {
      removedId(slotId[slot]);
      map.remove(slotId[slot]);
      slotId[slot] = -1;
      rows--;
      if (freeTop == free.length) {
        free = Arrays.copyOf(free, Math.max(16, free.length * 2));
      }
      free[freeTop++] = slot;
    }

    void initRow(int slot, long id) {
      SplittableRandom r = new SplittableRandom(spec.seed() * 0xBF58476D1CE4E5B9L + IdSlots.hash(id) + id * 0x94D049BB133111EBL);
      int off = slot * dim;
      for (int k = 0; k < dim; k++) {
        w[off + k] = (float) (r.nextGaussian() * spec.initStd());
      }
      opt.init(s, slot * stateFloats, dim);
    }

    void grow() {
      long cap = spec.capacity() == 0 ? Long.MAX_VALUE : spec.capacity();
      long next = Math.min(cap, Math.max(1024L, allocated * 2L));
      if (next * Math.max(dim, stateFloats) > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("embedding table " + spec.name() + " cannot grow beyond " + allocated + " rows of " + dim
            + " floats in one slab; set model.embeddings.capacity");
      }
      resize((int) next);
    }

    /** Sizes the slot arrays for {@code n} slots (new slots hold no id). */
    void resize(int n) {
      if ((long) n * Math.max(dim, stateFloats) > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("embedding table " + spec.name() + " cannot hold " + n + " rows of " + dim + " floats in one slab");
      }
      w = Arrays.copyOf(w, n * dim);
      s = Arrays.copyOf(s, n * stateFloats);
      slotId = Arrays.copyOf(slotId, n);
      lastUsed = Arrays.copyOf(lastUsed, n);
      freq = Arrays.copyOf(freq, n);
      dirty = Arrays.copyOf(dirty, (n + 63) >>> 6);
      if (n > allocated) {
        Arrays.fill(slotId, allocated, n, -1);
      }
      allocated = n;
    }

    /** Marks a slot's row as changed since the last full part. */
    void touch(int slot) {
      dirty[slot >>> 6] |= 1L << slot;
    }

    boolean dirty(int slot) {
      return (dirty[slot >>> 6] & (1L << slot)) != 0;
    }

    void removedId(long id) {
      if (removedCount == removed.length) {
        if (removedCount >= 1 << 20) {
          // the same ids churning in and out between two full parts: keep each once
          Arrays.sort(removed, 0, removedCount);
          int n = 0;
          for (int i = 0; i < removedCount; i++) {
            if (n == 0 || removed[i] != removed[n - 1]) {
              removed[n++] = removed[i];
            }
          }
          removedCount = n;
        }
        if (removedCount > removed.length / 2) { // amortised: half the list at least is new when it is sorted again
          removed = Arrays.copyOf(removed, removed.length * 2);
        }
      }
      removed[removedCount++] = id;
    }

    /** Forgets what changed: a full part was written. */
    void clean() {
      Arrays.fill(dirty, 0L);
      removedCount = 0;
      if (removed.length > 1024) {
        removed = new long[16];
      }
    }

    long bytes() {
      return w.length * 4L + s.length * 4L + slotId.length * 8L + lastUsed.length * 8L + freq.length * 4L + free.length * 4L + map.bytes()
          + (sketch == null ? 0 : sketch.bytes());
    }

    TableStats stats() {
      return new TableStats(spec.name(), rows, allocated, bytes(), spec.idealBytesPerRow(), admitted, evicted, refused, dropped);
    }
  }

  private static int saturatingAdd(int a, int b) {
    long s = (long) a + b;
    return s > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) s;
  }

  /**
   * Writes every table (the rows it holds with their optimizer state, slots, recency, frequency, the admission sketch
   * and the counters) so that {@link #read} continues exactly where this store is. Does not close {@code out}.
   */
  public void write(DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(FORMAT);
    out.writeInt(tables.length);
    for (Table t : tables) {
      out.writeUTF(t.spec.name());
      out.writeInt(t.dim);
      out.writeInt(t.stateFloats);
      out.writeInt(t.used);
      out.writeInt(t.allocated);
      out.writeInt(t.rows);
      out.writeLong(t.admitted);
      out.writeLong(t.evicted);
      out.writeLong(t.refused);
      out.writeLong(t.dropped);
      out.writeLong(t.lastSweep);
      writeFloats(out, t.w, t.used * t.dim);
      writeFloats(out, t.s, t.used * t.stateFloats);
      ByteBuffer b = ByteBuffer.allocate(t.used * 20);
      for (int i = 0; i < t.used; i++) {
        b.putLong(t.slotId[i]).putLong(t.lastUsed[i]).putInt(t.freq[i]);
      }
      out.write(b.array());
      out.writeInt(t.freeTop);
      for (int i = 0; i < t.freeTop; i++) {
        out.writeInt(t.free[i]);
      }
      out.writeBoolean(t.sketch != null);
      if (t.sketch != null) {
        ByteBuffer sb = ByteBuffer.allocate(t.sketch.counts.length * 4);
        sb.asIntBuffer().put(t.sketch.counts);
        out.write(sb.array());
      }
    }
  }

  /**
   * A store of {@code specs} holding what {@link #write} wrote.
   *
   * @throws IOException when the snapshot is truncated, of another format, or does not fit the specs (names, widths,
   *     optimizer)
   */
  public static InProcessEmbeddingStore read(List<TableSpec> specs, DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("not an embedding store snapshot");
    }
    int format = in.readInt();
    if (format > FORMAT) {
      throw new IOException("embedding store snapshot of format " + format + ", newer than this Tandem reads (" + FORMAT + ")");
    }
    int n = in.readInt();
    if (n != specs.size()) {
      throw new IOException("snapshot has " + n + " tables, the model " + specs.size());
    }
    InProcessEmbeddingStore store = new InProcessEmbeddingStore(specs);
    for (Table t : store.tables) {
      String name = in.readUTF();
      int dim = in.readInt();
      int stateFloats = in.readInt();
      if (!name.equals(t.spec.name()) || dim != t.dim || stateFloats != t.stateFloats) {
        throw new IOException("snapshot table " + name + " (dim " + dim + ", " + stateFloats + " state floats) does not fit table "
            + t.spec.name() + " (dim " + t.dim + ", " + t.stateFloats + " state floats)");
      }
      t.used = in.readInt();
      t.allocated = in.readInt();
      if (t.used < 0 || t.allocated < t.used) {
        throw new IOException("table " + name + ": bad slot counts " + t.used + "/" + t.allocated);
      }
      t.rows = in.readInt();
      t.admitted = in.readLong();
      t.evicted = in.readLong();
      t.refused = in.readLong();
      t.dropped = in.readLong();
      t.lastSweep = in.readLong();
      t.w = Arrays.copyOf(readFloats(in, t.used * dim), t.allocated * dim);
      t.s = Arrays.copyOf(readFloats(in, t.used * stateFloats), t.allocated * stateFloats);
      byte[] meta = new byte[t.used * 20];
      in.readFully(meta);
      ByteBuffer b = ByteBuffer.wrap(meta);
      t.slotId = new long[t.allocated];
      t.lastUsed = new long[t.allocated];
      t.freq = new int[t.allocated];
      t.dirty = new long[(t.allocated + 63) >>> 6];
      Arrays.fill(t.slotId, t.used, t.allocated, -1);
      for (int i = 0; i < t.used; i++) {
        t.slotId[i] = b.getLong();
        t.lastUsed[i] = b.getLong();
        t.freq[i] = b.getInt();
        if (t.slotId[i] >= 0) {
          t.map.put(t.slotId[i], i);
        }
      }
      t.freeTop = in.readInt();
      t.free = new int[Math.max(16, t.freeTop)];
      for (int i = 0; i < t.freeTop; i++) {
        t.free[i] = in.readInt();
      }
      boolean sketch = in.readBoolean();
      if (sketch != (t.sketch != null)) {
        throw new IOException("table " + name + ": the snapshot " + (sketch ? "has" : "lacks") + " an admission sketch the config "
            + (sketch ? "does not ask for" : "asks for"));
      }
      if (sketch) {
        byte[] counts = new byte[t.sketch.counts.length * 4];
        in.readFully(counts);
        ByteBuffer.wrap(counts).asIntBuffer().get(t.sketch.counts);
      }
      if (t.map.size() != t.rows) {
        throw new IOException("table " + name + ": " + t.map.size() + " ids for " + t.rows + " rows");
      }
    }
    return store;
  }

  private static void writeFloats(DataOutputStream out, float[] a, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n * 4);
    b.asFloatBuffer().put(a, 0, n);
    out.write(b.array());
  }

  private static float[] readFloats(DataInputStream in, int n) throws IOException {
    byte[] bytes = new byte[n * 4];
    in.readFully(bytes);
    float[] out = new float[n];
    ByteBuffer.wrap(bytes).asFloatBuffer().get(out);
    return out;
  }

  /**
   * One part of a checkpoint of a (possibly sharded) store: the {@link #writePart} output of one shard.
   *
   * @param name what error messages call the part (its file, say)
   * @param in   the part's bytes, this one part and nothing after it; {@link #restoreShard} reads it (or, restoring onto
   *             the same shard count, only the header of another shard's part) and does not close it
   */
  public record Part(String name, InputStream in) {}

  /**
   * Writes a checkpoint part of this store: a full part (every held row) or, with {@code delta}, the rows changed and
   * the ids removed since the last full part this store wrote. Rows are written as records (id, recency, frequency,
   * row, optimizer state), so a restore can re-hash them onto any number of shards. Every part also carries each
   * table's counters, admission sketch and slot layout (the last, a hint that only a restore onto the same shard
   * uses), and a CRC32 per 64 KiB chunk plus one over the whole body, so a truncated or altered part is refused.
   *
   * <p>Writing a full part resets the change tracking; a delta does not: deltas are cumulative since the last full part,
   * so a restore needs one full part and at most one (the latest) delta per shard. A delta must name the full part it
   * extends, so a store that has not written a full part since it was created or restored cannot write one.
   * Not concurrently with pulls and pushes (one thread drives a store). Does not close {@code out}; flushes what it wrote.
   *
   * @throws IllegalStateException when {@code delta} is asked for before this store wrote a full part
   */
  public void writePart(DataOutputStream out, boolean delta) throws IOException {
    StoreParts.write(this, out, delta);
  }

  /**
   * The store of shard {@code shard} of {@code shards} restored from the parts of a checkpoint written by any number
   * of old shards (each one full part and at most one delta, the latest it wrote; the checkpoint lists the full parts
   * first, then the deltas, but any order is accepted: a delta is matched to its full part by an id both carry). It keeps exactly the rows with
   * {@code ShardRouting.shardOf(table, id, shards) == shard} ({@code shards == 1}: every row, which is how one
   * in-process store reads a sharded checkpoint), with their recency, frequency and optimizer state, a delta's rows
   * replacing its full part's and its removed ids removed.
   *
   * <p>Same shard count ({@code shards} full parts written by shards {@code 0..shards-1} of {@code shards}): the shard
   * reads only its own parts (those its index wrote) and continues exactly as the old shard would have: rows in the same
   * slots, same counters, admission sketch and age-sweep clock, so the same pulls and pushes give the same rows,
   * admissions and evictions bit for bit.
   *
   * <p>Another shard count (or parts that do not say which shard of how many wrote them): rows are re-hashed and packed
   * densely. Every new shard gets the element-wise sum of the old shards' admission sketches (the count-min sketch of
   * the union of their disjoint id streams: with this sketch's conservative update the sum is not bit-equal to the
   * sketch one store would have built, but like it never under-counts an id, and it is at most the plain count-min
   * sketch of the union); the counters (admitted, evicted, refused, dropped) of all old shards are summed into shard 0
   * (the others start at 0), so totals over the shards are kept; the sweep clock is the latest of the old shards'. A
   * table restored onto fewer shards may hold more rows than its capacity: it then admits new ids only by evicting.
   *
   * <p>The restored store has written no full part: its first part must be a full one.
   *
   * @throws IOException naming the part when one is not an embedding store part, of a newer format, truncated, fails its
   *     checksum, has bytes after its end, does not fit {@code specs} (table count, names, widths, optimizer state,
   *     sketch), holds a row its shard does not own, is a delta whose full part is missing or that has another delta, or
   *     when the full parts are not one sharding (different shard counts, a shard twice, a shard missing)
   * @throws IllegalArgumentException when {@code shard} is outside {@code [0, shards)} or {@code parts} is empty
   */
  public static InProcessEmbeddingStore restoreShard(List<TableSpec> specs, List<Part> parts, int shard, int shards)
      throws IOException {
    return StoreParts.restore(specs, parts, shard, shards);
  }

  /** The tables' statistics, in table order. */
  public List<TableStats> stats() {
    List<TableStats> out = new ArrayList<>();
    for (int i = 0; i < tables.length; i++) {
      out.add(stats(i));
    }
    return out;
  }
}

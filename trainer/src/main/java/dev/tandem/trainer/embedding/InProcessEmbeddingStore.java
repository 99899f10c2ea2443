package dev.tandem.trainer.embedding;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
 */
public final class InProcessEmbeddingStore implements EmbeddingStore {
  /** The version of the binary snapshot {@link #write} produces. */
  public static final int FORMAT = 1;
  private static final int MAGIC = 0x54454d42; // "TEMB"
  private static final int EVICTION_SAMPLE = 16;

  private final List<TableSpec> specs;
  private final Table[] tables;

  public InProcessEmbeddingStore(List<TableSpec> specs) {
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
  }

  /** Whether a table holds a row for {@code id}. */
  public boolean holds(int table, long id) {
    return tables[table].map.get(id) >= 0;
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
  private static final class Table {
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
        map.remove(slotId[slot]);
        rows--;
        evicted++;
      }
      map.put(id, slot);
      slotId[slot] = id;
      lastUsed[slot] = step;
      freq[slot] = count;
      initRow(slot, id);
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

    private void release(int slot) {
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
      allocated = (int) next;
      w = Arrays.copyOf(w, allocated * dim);
      s = Arrays.copyOf(s, allocated * stateFloats);
      slotId = Arrays.copyOf(slotId, allocated);
      lastUsed = Arrays.copyOf(lastUsed, allocated);
      freq = Arrays.copyOf(freq, allocated);
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

  /** The tables' statistics, in table order. */
  public List<TableStats> stats() {
    List<TableStats> out = new ArrayList<>();
    for (int i = 0; i < tables.length; i++) {
      out.add(stats(i));
    }
    return out;
  }
}

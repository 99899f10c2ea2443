package dev.tandem.trainer.embedding;

import dev.tandem.trainer.embedding.InProcessEmbeddingStore.Part;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore.Table;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/**
 * The checkpoint part format of {@link InProcessEmbeddingStore} ({@link InProcessEmbeddingStore#writePart},
 * {@link InProcessEmbeddingStore#restoreShard}).
 *
 * <p>Layout: {@code int magic "TEPT", int format}, then a body cut into chunks ({@code int length (1..65536), bytes,
 * int crc32 of the bytes}) ended by {@code int 0, int crc32 of the whole body}, so damage is found in the chunk it hits,
 * before its bytes are parsed. The body: {@code byte kind (1 full, 2 delta), long base (the id of the full part; a
 * delta repeats its full part's), int shard, int shards, int tables}, then per table: {@code utf name, int dim, int
 * stateFloats, long admitted, evicted, refused, dropped, lastSweep, int used, int allocated, int freeCount, int[]
 * free} (the slot layout: a hint for a restore onto the same shard), for a delta {@code int count, long[] removed ids},
 * {@code boolean sketch [int depth, int width, int[] counters]}, {@code int count} and the records: {@code long id,
 * int slot, long lastUsed, int freq, float[dim] row, float[stateFloats] state}. Big-endian throughout.
 */
final class StoreParts {
  static final int MAGIC = 0x54455054; // "TEPT"
  /** The version of the part format {@link #write} produces. */
  static final int FORMAT = 1;
  private static final int FULL = 1;
  private static final int DELTA = 2;
  static final int CHUNK = 1 << 16;

  private StoreParts() {}

  static void write(InProcessEmbeddingStore store, DataOutputStream out, boolean delta) throws IOException {
    if (delta && store.base == 0) {
      throw new IllegalStateException("no full part written since this embedding store was created or restored: write a full part first");
    }
    long base = delta ? store.base : newBase();
    out.writeInt(MAGIC);
    out.writeInt(FORMAT);
    ChunkedOutput body = new ChunkedOutput(out);
    DataOutputStream d = new DataOutputStream(body);
    d.writeByte(delta ? DELTA : FULL);
    d.writeLong(base);
    d.writeInt(store.shard());
    d.writeInt(store.shards());
    d.writeInt(store.tables.length);
    for (Table t : store.tables) {
      writeTable(d, t, delta);
    }
    body.finish();
    out.flush();
    if (!delta) {
      for (Table t : store.tables) {
        t.clean();
      }
      store.base = base;
    }
  }

  private static long newBase() {
    long b;
    do {
      b = ThreadLocalRandom.current().nextLong();
    } while (b == 0);
    return b;
  }

  private static void writeTable(DataOutputStream d, Table t, boolean delta) throws IOException {
    d.writeUTF(t.spec.name());
    d.writeInt(t.dim);
    d.writeInt(t.stateFloats);
    d.writeLong(t.admitted);
    d.writeLong(t.evicted);
    d.writeLong(t.refused);
    d.writeLong(t.dropped);
    d.writeLong(t.lastSweep);
    d.writeInt(t.used);
    d.writeInt(t.allocated);
    d.writeInt(t.freeTop);
    ByteBuffer free = ByteBuffer.allocate(t.freeTop * 4);
    free.asIntBuffer().put(t.free, 0, t.freeTop);
    d.write(free.array());
    if (delta) {
      // every id removed since the full part, even if admitted again since (then it is a record too, applied after the
      // removals): a restore onto the same shard can then place every record in its slot without collisions
      long[] removed = Arrays.copyOf(t.removed, t.removedCount);
      Arrays.sort(removed);
      int n = 0;
      for (int i = 0; i < removed.length; i++) {
        if (i == 0 || removed[i] != removed[i - 1]) {
          removed[n++] = removed[i];
        }
      }
      d.writeInt(n);
      ByteBuffer b = ByteBuffer.allocate(n * 8);
      b.asLongBuffer().put(removed, 0, n);
      d.write(b.array());
    }
    d.writeBoolean(t.sketch != null);
    if (t.sketch != null) {
      d.writeInt(t.sketch.depth);
      d.writeInt(t.sketch.width);
      ByteBuffer b = ByteBuffer.allocate(t.sketch.counts.length * 4);
      b.asIntBuffer().put(t.sketch.counts);
      d.write(b.array());
    }
    int count = 0;
    for (int slot = 0; slot < t.used; slot++) {
      if (t.slotId[slot] >= 0 && (!delta || t.dirty(slot))) {
        count++;
      }
    }
    d.writeInt(count);
    ByteBuffer rec = ByteBuffer.allocate(recordBytes(t));
    for (int slot = 0; slot < t.used; slot++) {
      if (t.slotId[slot] >= 0 && (!delta || t.dirty(slot))) {
        rec.clear();
        rec.putLong(t.slotId[slot]).putInt(slot).putLong(t.lastUsed[slot]).putInt(t.freq[slot]);
        for (int k = 0; k < t.dim; k++) {
          rec.putFloat(t.w[slot * t.dim + k]);
        }
        for (int k = 0; k < t.stateFloats; k++) {
          rec.putFloat(t.s[slot * t.stateFloats + k]);
        }
        d.write(rec.array());
      }
    }
  }

  private static int recordBytes(Table t) {
    return 24 + 4 * (t.dim + t.stateFloats);
  }

  static InProcessEmbeddingStore restore(List<TableSpec> specs, List<Part> parts, int shard, int shards) throws IOException {
    if (shards < 1 || shard < 0 || shard >= shards) {
      throw new IllegalArgumentException("shard " + shard + " of " + shards + ": need 0 <= shard < shards");
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("no checkpoint parts to restore the embedding store from");
    }
    // every part's header first (each part is its own stream): pair deltas with their full parts, choose the mode
    List<PartReader> fulls = new ArrayList<>();
    List<PartReader> deltas = new ArrayList<>();
    for (Part p : parts) {
      PartReader r = PartReader.open(p, specs.size());
      (r.delta ? deltas : fulls).add(r);
    }
    Map<Long, PartReader> byBase = new HashMap<>();
    for (PartReader f : fulls) {
      PartReader other = byBase.put(f.base, f);
      if (other != null) {
        throw f.fail("is the same full part as part " + other.name);
      }
    }
    for (PartReader d : deltas) {
      PartReader f = byBase.get(d.base);
      if (f == null) {
        throw d.fail("is a delta of a full part that is not among the checkpoint's parts");
      }
      if (f.next != null) {
        throw d.fail("is a second delta of full part " + f.name + " (the first: " + f.next.name + "); a checkpoint has at most one per shard");
      }
      if (f.shard != d.shard || f.shards != d.shards) {
        throw d.fail("says it is shard " + d.shard + " of " + d.shards + " but its full part " + f.name + " says shard " + f.shard + " of " + f.shards);
      }
      f.next = d;
    }
    boolean same = checkSharding(fulls, shards);
    InProcessEmbeddingStore store = new InProcessEmbeddingStore(specs, shard, shards);
    int n = store.tables.length;
    if (same) {
      PartReader own = fulls.stream().filter(f -> f.shard == shard).findFirst().orElseThrow();
      own.readBody(store, true);
      PartReader latest = own;
      if (own.next != null) {
        own.next.readBody(store, true);
        latest = own.next;
      }
      for (int i = 0; i < n; i++) {
        continueFrom(store.tables[i], latest.state[i], latest);
      }
    } else {
      long[][] counters = new long[n][4];
      long[] lastSweep = new long[n];
      Arrays.fill(lastSweep, Long.MIN_VALUE);
      long[][] sketch = new long[n][];
      List<PartReader> ordered = new ArrayList<>(fulls);
      ordered.addAll(deltas);
      for (PartReader r : ordered) {
        r.readBody(store, false);
        if (r.delta || r.next == null) { // the latest part of its shard: its counters and sketch are that shard's
          for (int i = 0; i < n; i++) {
            TableState ts = r.state[i];
            for (int k = 0; k < 4; k++) {
              counters[i][k] += ts.counters[k];
            }
            lastSweep[i] = Math.max(lastSweep[i], ts.lastSweep);
            if (ts.sketch != null) {
              if (sketch[i] == null) {
                sketch[i] = new long[ts.sketch.length];
              }
              for (int c = 0; c < ts.sketch.length; c++) {
                sketch[i][c] += ts.sketch[c];
              }
            }
          }
          r.state = null;
        }
      }
      for (int i = 0; i < n; i++) {
        Table t = store.tables[i];
        if (shard == 0) {
          t.admitted = counters[i][0];
          t.evicted = counters[i][1];
          t.refused = counters[i][2];
          t.dropped = counters[i][3];
        }
        t.lastSweep = lastSweep[i];
        if (sketch[i] != null) {
          for (int c = 0; c < sketch[i].length; c++) {
            t.sketch.counts[c] = (int) Math.min(Integer.MAX_VALUE, sketch[i][c]);
          }
        }
      }
    }
    for (Table t : store.tables) {
      t.clean();
    }
    return store;
  }

  /**
   * Whether the full parts are exactly shards {@code 0..shards-1} of {@code shards} (a restore onto the same shard
   * count); refuses parts of a checkpoint that cannot be one consistent store.
   */
  private static boolean checkSharding(List<PartReader> fulls, int shards) throws IOException {
    PartReader first = fulls.get(0);
    for (PartReader f : fulls) {
      if (f.shards != first.shards) {
        throw f.fail("says it is shard " + f.shard + " of " + f.shards + " but part " + first.name + " says shard " + first.shard + " of "
            + first.shards + ": parts of different checkpoints?");
      }
    }
    if (first.shards == 1 && fulls.size() > 1) {
      return false; // written by stores that were not told their shard: routing is checked per row, rows re-hashed
    }
    Map<Integer, PartReader> byShard = new HashMap<>();
    for (PartReader f : fulls) {
      PartReader other = byShard.put(f.shard, f);
      if (other != null) {
        throw f.fail("says it is shard " + f.shard + " of " + f.shards + ", as does part " + other.name);
      }
    }
    if (fulls.size() != first.shards) {
      throw first.fail("says it is shard " + first.shard + " of " + first.shards + " but the checkpoint has " + fulls.size()
          + " full parts: a shard's part is missing");
    }
    return first.shards == shards;
  }

  /** A restore onto the same shard: the old shard's slot layout, counters, sketch and sweep clock, checked. */
  private static void continueFrom(Table t, TableState ts, PartReader latest) throws IOException {
    if (ts.allocated > t.allocated) {
      t.resize(ts.allocated);
    }
    t.used = ts.used;
    t.free = Arrays.copyOf(ts.free, Math.max(16, ts.free.length));
    t.freeTop = ts.free.length;
    t.admitted = ts.counters[0];
    t.evicted = ts.counters[1];
    t.refused = ts.counters[2];
    t.dropped = ts.counters[3];
    t.lastSweep = ts.lastSweep;
    if (ts.sketch != null) {
      System.arraycopy(ts.sketch, 0, t.sketch.counts, 0, ts.sketch.length);
    }
    BitSet freeSlots = new BitSet(t.used);
    for (int slot : ts.free) {
      if (freeSlots.get(slot) || t.slotId[slot] >= 0) {
        throw latest.fail("table " + t.spec.name() + ": slot " + slot + " is listed free twice or also holds a row");
      }
      freeSlots.set(slot);
    }
    int held = 0;
    for (int slot = 0; slot < t.allocated; slot++) {
      if (t.slotId[slot] >= 0) {
        if (slot >= t.used) {
          throw latest.fail("table " + t.spec.name() + ": a row in slot " + slot + ", beyond the " + t.used + " slots in use");
        }
        held++;
      }
    }
    if (held + ts.free.length != t.used || held != t.rows || t.map.size() != t.rows) {
      throw latest.fail("table " + t.spec.name() + ": " + held + " rows and " + ts.free.length + " free slots do not make the "
          + t.used + " slots in use");
    }
  }

  /** One table's section of a part, less its records. */
  private static final class TableState {
    final long[] counters = new long[4];
    long lastSweep;
    int used;
    int allocated;
    int[] free;
    int[] sketch;
  }

  /** A part being read: its header at once, its body later. */
  private static final class PartReader {
    final String name;
    final DataInputStream raw;
    final ChunkedInput chunks;
    final DataInputStream in;
    boolean delta;
    long base;
    int shard;
    int shards;
    /** The delta of this full part, if the checkpoint has one. */
    PartReader next;
    TableState[] state;

    private PartReader(Part p) {
      this.name = p.name();
      this.raw = new DataInputStream(new BufferedInputStream(p.in(), CHUNK + 64));
      this.chunks = new ChunkedInput(this);
      this.in = new DataInputStream(chunks);
    }

    IOException fail(String what) {
      return new IOException("embedding store checkpoint part " + name + " " + what);
    }

    IOException fail(String what, Throwable cause) {
      return new IOException("embedding store checkpoint part " + name + " " + what, cause);
    }

    static PartReader open(Part p, int tables) throws IOException {
      PartReader r = new PartReader(p);
      try {
        int magic = r.raw.readInt();
        if (magic != MAGIC) {
          throw r.fail("is not an embedding store checkpoint part (magic " + Integer.toHexString(magic) + ")");
        }
        int format = r.raw.readInt();
        if (format > FORMAT) {
          throw r.fail("is of format " + format + ", newer than this Tandem reads (" + FORMAT + ")");
        }
        if (format < 1) {
          throw r.fail("has an invalid format " + format);
        }
        int kind = r.in.readByte();
        if (kind != FULL && kind != DELTA) {
          throw r.fail("is of unknown kind " + kind);
        }
        r.delta = kind == DELTA;
        r.base = r.in.readLong();
        r.shard = r.in.readInt();
        r.shards = r.in.readInt();
        if (r.shards < 1 || r.shard < 0 || r.shard >= r.shards) {
          throw r.fail("says it is shard " + r.shard + " of " + r.shards);
        }
        int n = r.in.readInt();
        if (n != tables) {
          throw r.fail("has " + n + " tables, the model " + tables);
        }
      } catch (EOFException e) {
        throw r.fail("is truncated (ends in its header)", e);
      }
      return r;
    }

    /**
     * Reads the tables into {@code store}. {@code own}: this part is the store's own shard's (same shard count): rows go
     * to the slots they held. Otherwise rows of other shards are skipped and the rest packed.
     */
    void readBody(InProcessEmbeddingStore store, boolean own) throws IOException {
      state = new TableState[store.tables.length];
      String table = store.tables[0].spec.name();
      try {
        for (int i = 0; i < store.tables.length; i++) {
          table = store.tables[i].spec.name();
          state[i] = readTable(store, i, own);
        }
        chunks.finish();
      } catch (EOFException e) {
        throw fail("is truncated (ends in table " + table + ")", e);
      }
    }

    private TableState readTable(InProcessEmbeddingStore store, int index, boolean own) throws IOException {
      Table t = store.tables[index];
      String tname = in.readUTF();
      int dim = in.readInt();
      int stateFloats = in.readInt();
      if (!tname.equals(t.spec.name()) || dim != t.dim || stateFloats != t.stateFloats) {
        throw fail("has table " + tname + " (dim " + dim + ", " + stateFloats + " optimizer state floats) where the model has table "
            + t.spec.name() + " (dim " + t.dim + ", " + t.stateFloats + " optimizer state floats)");
      }
      TableState ts = new TableState();
      for (int k = 0; k < 4; k++) {
        ts.counters[k] = in.readLong();
      }
      ts.lastSweep = in.readLong();
      ts.used = in.readInt();
      ts.allocated = in.readInt();
      int freeCount = in.readInt();
      if (ts.used < 0 || ts.allocated < ts.used || freeCount < 0 || freeCount > ts.used) {
        throw fail("table " + tname + ": bad slot counts (used " + ts.used + ", allocated " + ts.allocated + ", free " + freeCount + ")");
      }
      ts.free = new int[freeCount];
      for (int k = 0; k < freeCount; k++) {
        ts.free[k] = in.readInt();
        if (ts.free[k] < 0 || ts.free[k] >= ts.used) {
          throw fail("table " + tname + ": free slot " + ts.free[k] + " outside the " + ts.used + " slots in use");
        }
      }
      if (delta) {
        int removed = in.readInt();
        if (removed < 0) {
          throw fail("table " + tname + ": " + removed + " removed ids");
        }
        for (int k = 0; k < removed; k++) {
          int slot = t.map.get(in.readLong());
          if (slot >= 0) {
            if (own) { // the free-slot stack comes whole from this part
              t.map.remove(t.slotId[slot]);
              t.slotId[slot] = -1;
              t.rows--;
            } else {
              t.release(slot);
            }
          }
        }
      }
      boolean sketch = in.readBoolean();
      if (sketch != (t.sketch != null)) {
        throw fail("table " + tname + ": " + (sketch ? "has" : "lacks") + " an admission sketch the model " + (sketch ? "does not ask for"
            : "asks for") + " (admit_after)");
      }
      if (sketch) {
        int depth = in.readInt();
        int width = in.readInt();
        if (depth != t.sketch.depth || width != t.sketch.width) {
          throw fail("table " + tname + ": admission sketch of " + depth + " x " + width + " counters, the model's is " + t.sketch.depth + " x "
              + t.sketch.width);
        }
        byte[] b = new byte[depth * width * 4];
        in.readFully(b);
        ts.sketch = new int[depth * width];
        ByteBuffer.wrap(b).asIntBuffer().get(ts.sketch);
      }
      int count = in.readInt();
      if (count < 0 || count > ts.used) {
        throw fail("table " + tname + ": " + count + " rows for " + ts.used + " slots");
      }
      if (own) {
        if (ts.used > t.allocated) {
          t.resize(ts.allocated);
        }
        t.used = Math.max(t.used, ts.used);
      }
      byte[] bytes = new byte[recordBytes(t)];
      ByteBuffer rec = ByteBuffer.wrap(bytes);
      for (int k = 0; k < count; k++) {
        in.readFully(bytes);
        rec.clear();
        long id = rec.getLong();
        int slot = rec.getInt();
        long lastUsed = rec.getLong();
        int freq = rec.getInt();
        if (id < 0 || id >= t.spec.idSpace()) {
          throw fail("table " + tname + ": id " + id + " outside [0, " + t.spec.idSpace() + ")");
        }
        if (ShardRouting.shardOf(index, id, shards) != shard) {
          throw fail("table " + tname + ": holds id " + id + ", which shard " + shard + " of " + shards + " (the writer) does not own");
        }
        int at = t.map.get(id);
        if (own) {
          if (slot < 0 || slot >= ts.used || (at >= 0 && at != slot) || (at < 0 && t.slotId[slot] >= 0)) {
            throw fail("table " + tname + ": id " + id + " in slot " + slot + ", which is outside the slots in use or taken");
          }
        } else {
          if (ShardRouting.shardOf(index, id, store.shards()) != store.shard()) {
            continue;
          }
          if (at >= 0 && !delta) {
            throw fail("table " + tname + ": id " + id + " is also in another full part (shards' parts must hold disjoint ids)");
          }
          slot = at >= 0 ? at : nextSlot(t);
        }
        if (at < 0) {
          t.map.put(id, slot);
          t.slotId[slot] = id;
          t.rows++;
        }
        t.lastUsed[slot] = lastUsed;
        t.freq[slot] = freq;
        rec.asFloatBuffer().get(t.w, slot * t.dim, t.dim);
        rec.position(24 + 4 * t.dim);
        rec.asFloatBuffer().get(t.s, slot * t.stateFloats, t.stateFloats);
      }
      return ts;
    }

    /** A slot for a re-hashed row: a free one, else the next, growing past the capacity if need be. */
    private static int nextSlot(Table t) {
      if (t.freeTop > 0) {
        return t.free[--t.freeTop];
      }
      if (t.used == t.allocated) {
        t.resize((int) Math.min(Integer.MAX_VALUE - 8, Math.max(1024L, t.allocated * 2L)));
      }
      return t.used++;
    }
  }

  /** The body of a part as checksummed chunks. */
  private static final class ChunkedOutput extends OutputStream {
    private final DataOutputStream out;
    private final byte[] buf = new byte[CHUNK];
    private int n;
    private final CRC32 chunk = new CRC32();
    private final CRC32 all = new CRC32();

    ChunkedOutput(DataOutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      if (n == CHUNK) {
        emit();
      }
      buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (n == CHUNK) {
          emit();
        }
        int k = Math.min(len, CHUNK - n);
        System.arraycopy(b, off, buf, n, k);
        n += k;
        off += k;
        len -= k;
      }
    }

    private void emit() throws IOException {
      if (n == 0) {
        return;
      }
      chunk.reset();
      chunk.update(buf, 0, n);
      all.update(buf, 0, n);
      out.writeInt(n);
      out.write(buf, 0, n);
      out.writeInt((int) chunk.getValue());
      n = 0;
    }

    /** Writes what is buffered and the end of the body. */
    void finish() throws IOException {
      emit();
      out.writeInt(0);
      out.writeInt((int) all.getValue());
    }
  }

  /** Reads the chunks {@link ChunkedOutput} wrote, checking each before handing out its bytes. */
  private static final class ChunkedInput extends InputStream {
    private final PartReader part;
    private final byte[] buf = new byte[CHUNK];
    private int pos;
    private int lim;
    private boolean ended;
    private long offset;
    private final CRC32 chunk = new CRC32();
    private final CRC32 all = new CRC32();

    ChunkedInput(PartReader part) {
      this.part = part;
    }

    private boolean fill() throws IOException {
      if (ended) {
        return false;
      }
      try {
        int len = part.raw.readInt();
        if (len == 0) {
          if (part.raw.readInt() != (int) all.getValue()) {
            throw part.fail("fails its checksum (the whole body)");
          }
          ended = true;
          return false;
        }
        if (len < 0 || len > CHUNK) {
          throw part.fail("is corrupt: a chunk of " + len + " bytes at body byte " + offset);
        }
        part.raw.readFully(buf, 0, len);
        int crc = part.raw.readInt();
        chunk.reset();
        chunk.update(buf, 0, len);
        if (crc != (int) chunk.getValue()) {
          throw part.fail("fails its checksum (the chunk at body byte " + offset + ")");
        }
        all.update(buf, 0, len);
        pos = 0;
        lim = len;
        offset += len;
        return true;
      } catch (EOFException e) {
        throw part.fail("is truncated (after body byte " + offset + ")", e);
      }
    }

    @Override
    public int read() throws IOException {
      if (pos == lim && !fill()) {
        return -1;
      }
      return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos == lim && !fill()) {
        return -1;
      }
      int k = Math.min(len, lim - pos);
      System.arraycopy(buf, pos, b, off, k);
      pos += k;
      return k;
    }

    /** Checks that the body ends where its tables do, with a good checksum, and nothing follows it. */
    void finish() throws IOException {
      if (pos < lim || fill()) {
        throw part.fail("is corrupt: data after its last table");
      }
      if (part.raw.read() != -1) {
        throw part.fail("is corrupt: bytes after its end");
      }
    }
  }
}

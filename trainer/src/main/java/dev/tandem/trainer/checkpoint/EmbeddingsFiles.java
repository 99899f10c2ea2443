package dev.tandem.trainer.checkpoint;

import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.trainer.embedding.EmbeddingStore;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.embedding.TableSpec;
import dev.tandem.trainer.embedding.TableStats;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.SparseEmbeddings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The files of a checkpoint whose embedding tables live beside the network: {@code embeddings.json} (the tables'
 * settings, which the rows are read back with, and what they held) and, for an in-process store,
 * {@code embeddings.bin} (the store's binary snapshot: rows, optimizer state, slots, admission sketch, counters; see
 * {@link InProcessEmbeddingStore#write}); for a sharded store one part per shard, written by the shard itself
 * ({@link ShardedStore#checkpoint}), listed with their checksums in {@code embeddings.json}.
 */
final class EmbeddingsFiles {
  static final String TABLES = "embeddings.json";
  static final String ROWS = "embeddings.bin";
  /** The version of {@code embeddings.json}'s format (see {@link Persisted}). */
  static final int FORMAT = 1;

  private EmbeddingsFiles() {}

  /** One table's settings, and what it held when written (for people; not read back). */
  record Table(String name, int dim, long idSpace, RowOptimizer.Kind optimizer, double weightDecay, double initStd, long seed,
      int admitAfter, long capacity, TableSpec.Eviction eviction, long maxAge, int sketchWidth, long rows, long bytes,
      long idealBytesPerRow, long admitted, long evicted, long refused, long droppedGradients) {

    TableSpec spec() {
      return new TableSpec(name, dim, idSpace, RowOptimizer.of(optimizer), weightDecay, initStd, seed, admitAfter, capacity, eviction, maxAge,
          sketchWidth);
    }
  }

  /**
   * The tables' settings; for a sharded store also the parts that hold the rows.
   *
   * @param parts null for an in-process store (its rows are in {@code embeddings.bin}); else every part the rows are
   *              read from: the full parts (of this checkpoint, or of {@code base} when this one is incremental) then
   *              this checkpoint's delta parts
   * @param base  the checkpoint holding the full parts an incremental checkpoint builds on (null: this one is full)
   */
  record Tables(double gradientClip, List<Table> tables, List<PartEntry> parts, String base) {}

  /** One shard's part of the rows: in checkpoint {@code checkpoint}, file {@code name}. */
  record PartEntry(String checkpoint, String name, int shard, int shards, boolean delta, long bytes, String sha256) {}

  record Written(byte[] tables, byte[] rows) {}

  /** What the parts of a sharded store's checkpoint are: the settings file and the part files this checkpoint holds. */
  record WrittenParts(byte[] tables, List<PartEntry> all, List<PartEntry> here) {}

  static Written write(SparseEmbeddings e) {
    EmbeddingStore store = e.store();
    if (!(store instanceof InProcessEmbeddingStore local)) {
      throw new IllegalStateException("only an in-process embedding store is checkpointed with the run, not " + store.getClass().getName());
    }
    return new Written(Persisted.write(new Tables(e.gradientClip(), tables(store), null, null), FORMAT), rows(local));
  }

  private static byte[] rows(InProcessEmbeddingStore local) {
    ByteArrayOutputStream rows = new ByteArrayOutputStream(1 << 20);
    try (DataOutputStream out = new DataOutputStream(rows)) {
      local.write(out);
    } catch (IOException e2) {
      throw new UncheckedIOException("cannot serialise the embedding store", e2);
    }
    return rows.toByteArray();
  }

  /**
   * Has every shard write its part into {@code dir} (checkpoint {@code id} being written there) as of step
   * {@code step}: all rows, or with {@code base} the rows changed since the full parts {@code baseParts} of checkpoint
   * {@code base}.
   */
  static WrittenParts writeSharded(SparseEmbeddings e, ShardedStore store, Path dir, String id, long step, String base,
      List<PartEntry> baseParts) {
    boolean delta = base != null;
    List<ShardedStore.PartFile> written = store.checkpoint(dir.toString(), step, delta);
    List<PartEntry> here = new ArrayList<>();
    for (ShardedStore.PartFile p : written) {
      here.add(new PartEntry(id, new Path(p.uri()).getName(), p.shard(), p.shards(), p.delta(), p.bytes(), p.sha256()));
    }
    List<PartEntry> all = new ArrayList<>(delta ? baseParts : List.of());
    all.addAll(here);
    return new WrittenParts(Persisted.write(new Tables(e.gradientClip(), tables(store), all, base), FORMAT), all, here);
  }

  private static List<Table> tables(EmbeddingStore store) {
    List<Table> tables = new ArrayList<>();
    for (int i = 0; i < store.tables().size(); i++) {
      TableSpec t = store.tables().get(i);
      TableStats s = store.stats(i);
      tables.add(new Table(t.name(), t.dim(), t.idSpace(), t.optimizer().kind(), t.weightDecay(), t.initStd(), t.seed(), t.admitAfter(),
          t.capacity(), t.eviction(), t.maxAge(), t.sketchWidth(), s.rows(), s.bytes(), s.idealBytesPerRow(), s.admitted(), s.evicted(),
          s.refused(), s.droppedGradients()));
    }
    return tables;
  }

  /** The settings file of a checkpoint, read. */
  static Tables tables(byte[] tablesJson, String where) {
    return Persisted.read(tablesJson, Tables.class, FORMAT, where);
  }

  /**
   * The tables of a sharded store's checkpoint, read into one in-process store (every part verified against its
   * recorded size and SHA-256; rows of all shards, whatever their number), and where its parts are for shards to
   * restore from.
   *
   * @param checkpoints the directory holding the run's checkpoints
   */
  static Checkpoint.Sparse readSharded(ModelSpec spec, ComputationGraph graph, Tables t, Path checkpoints) {
    List<TableSpec> specs = t.tables().stream().map(Table::spec).toList();
    List<InProcessEmbeddingStore.Part> parts = new ArrayList<>();
    List<ShardedStore.PartFile> files = new ArrayList<>();
    try {
      for (PartEntry p : t.parts()) {
        Path file = new Path(new Path(checkpoints, p.checkpoint()), p.name());
        parts.add(new InProcessEmbeddingStore.Part(file.toString(), Checksums.openVerified(file, p.bytes(), p.sha256())));
        files.add(new ShardedStore.PartFile(file.toString(), p.shard(), p.shards(), p.delta(), p.bytes(), p.sha256()));
      }
      InProcessEmbeddingStore store = InProcessEmbeddingStore.restoreShard(specs, parts, 0, 1);
      for (InProcessEmbeddingStore.Part p : parts) {
        p.in().close(); // verifies the whole part against its SHA-256
      }
      return new Checkpoint.Sparse(graph, spec, new SparseEmbeddings(spec, store, t.gradientClip()), List.copyOf(files));
    } catch (IOException e) {
      throw new CorruptDataException(checkpoints.toString(), "the embedding parts do not load: " + e.getMessage(), e);
    } finally {
      for (InProcessEmbeddingStore.Part p : parts) {
        try {
          p.in().close();
        } catch (IOException | RuntimeException ignored) {
          // already failed: the first error is the one reported
        }
      }
    }
  }

  /** The tables of a training spec, as written; {@code where} names the rows file in errors. */
  static SparseEmbeddings read(ModelSpec spec, Tables t, byte[] rows, String where) {
    List<TableSpec> specs = t.tables().stream().map(Table::spec).toList();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(rows))) {
      return new SparseEmbeddings(spec, InProcessEmbeddingStore.read(specs, in), t.gradientClip());
    } catch (IOException | RuntimeException e) {
      throw new CorruptDataException(where, "the embedding tables do not load: " + e.getMessage(), e);
    }
  }
}

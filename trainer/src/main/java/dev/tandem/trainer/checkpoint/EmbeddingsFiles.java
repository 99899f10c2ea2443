package dev.tandem.trainer.checkpoint;

import dev.tandem.format.Persisted;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.trainer.embedding.EmbeddingStore;
import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.RowOptimizer;
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

/**
 * The two files of a checkpoint whose embedding tables live beside the network: {@code embeddings.json} (the tables'
 * settings, which the rows are read back with, and what they held) and {@code embeddings.bin} (the store's binary
 * snapshot: rows, optimizer state, slots, admission sketch, counters; see {@link InProcessEmbeddingStore#write}).
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

  record Tables(double gradientClip, List<Table> tables) {}

  record Written(byte[] tables, byte[] rows) {}

  static Written write(SparseEmbeddings e) {
    EmbeddingStore store = e.store();
    if (!(store instanceof InProcessEmbeddingStore local)) {
      throw new IllegalStateException("only an in-process embedding store is checkpointed with the run, not " + store.getClass().getName());
    }
    List<Table> tables = new ArrayList<>();
    for (int i = 0; i < store.tables().size(); i++) {
      TableSpec t = store.tables().get(i);
      TableStats s = store.stats(i);
      tables.add(new Table(t.name(), t.dim(), t.idSpace(), t.optimizer().kind(), t.weightDecay(), t.initStd(), t.seed(), t.admitAfter(),
          t.capacity(), t.eviction(), t.maxAge(), t.sketchWidth(), s.rows(), s.bytes(), s.idealBytesPerRow(), s.admitted(), s.evicted(),
          s.refused(), s.droppedGradients()));
    }
    ByteArrayOutputStream rows = new ByteArrayOutputStream(1 << 20);
    try (DataOutputStream out = new DataOutputStream(rows)) {
      local.write(out);
    } catch (IOException e2) {
      throw new UncheckedIOException("cannot serialise the embedding store", e2);
    }
    return new Written(Persisted.write(new Tables(e.gradientClip(), tables), FORMAT), rows.toByteArray());
  }

  /** The tables of a training spec, as written; {@code where} names the rows file in errors. */
  static SparseEmbeddings read(ModelSpec spec, byte[] tablesJson, byte[] rows, String where) {
    Tables t = Persisted.read(tablesJson, Tables.class, FORMAT, where.replace(ROWS, TABLES));
    List<TableSpec> specs = t.tables().stream().map(Table::spec).toList();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(rows))) {
      return new SparseEmbeddings(spec, InProcessEmbeddingStore.read(specs, in), t.gradientClip());
    } catch (IOException | RuntimeException e) {
      throw new CorruptDataException(where, "the embedding tables do not load: " + e.getMessage(), e);
    }
  }
}

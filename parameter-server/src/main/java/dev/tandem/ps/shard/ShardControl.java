package dev.tandem.ps.shard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.format.Persisted;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.ShardedStore.PartFile;
import dev.tandem.trainer.embedding.TableSpec;
import dev.tandem.trainer.embedding.TableStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The JSON bodies of the control messages (OPEN, STATS reply, CHECKPOINT, PART, RESTORE): few and small. */
final class ShardControl {
  private static final ObjectMapper JSON = Persisted.json();

  private ShardControl() {}

  /** A client's OPEN: where to reply, which shard of how many it takes the server for, and its tables. */
  /**
   * A client's OPEN.
   *
   * @param run the training run (one session of it) the client belongs to: a shard holds the tables of one run at a
   *            time; null from older clients reads as the empty run
   */
  record Open(String reply, int shard, int shards, List<Table> tables, String run) {

    Open(String reply, int shard, int shards, List<Table> tables) {
      this(reply, shard, shards, tables, "");
    }

    /** The run, never null. */
    String runName() {
      return run == null ? "" : run;
    }
  }

  /** A table spec on the wire (the optimizer as its kind and its hyperparameters). */
  record Table(String name, int dim, long idSpace, RowOptimizer.Kind optimizer, double[] optimizerParams, double weightDecay,
      double initStd, long seed, int admitAfter, long capacity, TableSpec.Eviction eviction, long maxAge, int sketchWidth) {

    static Table of(TableSpec t) {
      return new Table(t.name(), t.dim(), t.idSpace(), t.optimizer().kind(), params(t.optimizer()), t.weightDecay(), t.initStd(), t.seed(),
          t.admitAfter(), t.capacity(), t.eviction(), t.maxAge(), t.sketchWidth());
    }

    TableSpec spec() {
      return new TableSpec(name, dim, idSpace, ShardControl.optimizer(optimizer, optimizerParams), weightDecay, initStd, seed, admitAfter, capacity,
          eviction, maxAge, sketchWidth);
    }
  }

  static double[] params(RowOptimizer o) {
    if (o instanceof RowOptimizer.AdaGrad a) {
      return new double[] {a.epsilon()};
    }
    if (o instanceof RowOptimizer.RowwiseAdaGrad a) {
      return new double[] {a.epsilon()};
    }
    if (o instanceof RowOptimizer.LazyAdam a) {
      return new double[] {a.beta1(), a.beta2(), a.epsilon()};
    }
    return new double[0];
  }

  static RowOptimizer optimizer(RowOptimizer.Kind kind, double[] p) {
    int need = switch (kind) {
      case SGD -> 0;
      case ADAGRAD, ROWWISE_ADAGRAD -> 1;
      case LAZY_ADAM -> 3;
    };
    if (p == null || p.length != need) {
      throw new IllegalArgumentException("optimizer " + kind + " takes " + need + " parameters, got " + (p == null ? 0 : p.length));
    }
    return switch (kind) {
      case SGD -> new RowOptimizer.Sgd();
      case ADAGRAD -> new RowOptimizer.AdaGrad(p[0]);
      case ROWWISE_ADAGRAD -> new RowOptimizer.RowwiseAdaGrad(p[0]);
      case LAZY_ADAM -> new RowOptimizer.LazyAdam(p[0], p[1], p[2]);
    };
  }

  static List<Table> tables(List<TableSpec> specs) {
    return specs.stream().map(Table::of).toList();
  }

  /**
   * How the tables a client asks for differ from those the shard holds, or null when they are the same.
   */
  static String difference(List<TableSpec> held, List<TableSpec> asked) {
    if (held.size() != asked.size()) {
      return "the shard holds " + held.size() + " tables " + names(held) + ", the client asked for " + asked.size() + " " + names(asked);
    }
    List<String> diffs = new ArrayList<>();
    for (int i = 0; i < held.size(); i++) {
      TableSpec h = held.get(i);
      TableSpec a = asked.get(i);
      if (h.equals(a)) {
        continue;
      }
      var comps = TableSpec.class.getRecordComponents();
      for (var c : comps) {
        try {
          Object hv = c.getAccessor().invoke(h);
          Object av = c.getAccessor().invoke(a);
          if (!hv.equals(av)) {
            diffs.add("table " + i + " (" + h.name() + "): " + c.getName() + " " + hv + " held, " + av + " asked");
          }
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return diffs.isEmpty() ? null : String.join("; ", diffs);
  }

  private static List<String> names(List<TableSpec> specs) {
    return specs.stream().map(TableSpec::name).toList();
  }

  /** A shard's STATS reply. */
  record Stats(int shard, List<TableStats> tables, long requests, long rowsPulled, long rowsPushed, long bytesIn, long bytesOut,
      long uptimeMs, long serviceCpuNanos, long processCpuNanos) {}

  /** A CHECKPOINT request: write this shard's part into {@code dir}. */
  record Checkpoint(String dir, long step, boolean delta) {}

  /** A PART reply: the part a shard wrote. */
  record Part(String uri, long bytes, String sha256) {}

  /** A RESTORE request: the parts of a checkpoint, full parts first. */
  record Restore(List<PartFile> parts) {}

  static byte[] write(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> T read(byte[] bytes, int n, Class<T> type) {
    try {
      return JSON.readValue(bytes, 0, n, type);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed " + type.getSimpleName() + " message: " + e.getMessage(), e);
    }
  }
}

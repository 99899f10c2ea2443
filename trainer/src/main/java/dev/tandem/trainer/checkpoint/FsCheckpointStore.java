package dev.tandem.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.format.Persisted;
import dev.tandem.format.UnsupportedFormatException;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.SparseEmbeddings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Checkpoints as directories {@code ckpt-<global step>} under a run's {@code checkpoints/} folder. Each is written
 * under a temporary name and renamed into place (atomic on HDFS and POSIX file systems); {@code checkpoint.json},
 * written last inside it, lists every file with its size and SHA-256, and loading verifies them all.
 */
public final class FsCheckpointStore implements CheckpointStore {
  private static final Logger LOG = LogManager.getLogger(FsCheckpointStore.class);
  static final String MANIFEST = "checkpoint.json";
  static final String PREFIX = "ckpt-";
  /** How a sharded store's part files begin (see {@link ShardedStore#checkpoint}). */
  static final String PART_PREFIX = "embeddings-part-";
  /** The version of {@code checkpoint.json}'s format (see {@link Persisted}). */
  static final int FORMAT = 1;

  private final Path dir;
  private final int fullEvery;
  /** The last checkpoint of a sharded store's rows that holds every row, and its parts; null: none yet in this process. */
  private String lastFull;
  private List<EmbeddingsFiles.PartEntry> lastFullParts;
  private int sinceFull;

  /** The store of a run's {@code checkpoints/} directory (created by the first save). */
  public FsCheckpointStore(Path dir) {
    this(dir, 1);
  }

  /**
   * The store of a run's {@code checkpoints/} directory, where a sharded store's rows are written in full every
   * {@code fullEvery}-th checkpoint and, between, only the rows changed since the last full one. The first checkpoint
   * this object writes is always full (the shards' change tracking starts there).
   */
  public FsCheckpointStore(Path dir, int fullEvery) {
    if (fullEvery < 1) {
      throw new IllegalArgumentException("fullEvery must be >= 1");
    }
    this.dir = dir;
    this.fullEvery = fullEvery;
  }

  /** The directory holding the checkpoints. */
  public Path dir() {
    return dir;
  }

  /** Id of a checkpoint taken after {@code globalStep} steps. */
  public static String idFor(long globalStep) {
    return String.format("%s%010d", PREFIX, globalStep);
  }

  /**
   * The manifest of one checkpoint.
   *
   * @param requires other checkpoints this one reads files of (an incremental checkpoint's full one); null: none
   */
  record Manifest(int format, String id, String created, Map<String, FileEntry> files, List<String> requires) {}

  record FileEntry(long bytes, String sha256) {}

  @Override
  public String save(Checkpoint c, int keep) {
    String id = c.id();
    Path tmp = new Path(dir, "._tmp." + id + "." + UUID.randomUUID().toString().substring(0, 8));
    Path target = new Path(dir, id);
    try {
      removeStaleTemporaries();
      Fs.mkdirs(tmp);
      Map<String, FileEntry> files = new LinkedHashMap<>();
      ByteArrayOutputStream model = new ByteArrayOutputStream(1 << 20);
      ModelSerializer.writeModel(c.graph(), model, true);
      write(tmp, "model.zip", model.toByteArray(), files);
      write(tmp, "state.json", Persisted.write(c.state(), TrainingState.FORMAT), files);
      write(tmp, "spec.json", Persisted.write(c.spec(), ModelSpec.FORMAT), files);
      write(tmp, "transform.json", c.transform().toJson().getBytes(StandardCharsets.UTF_8), files);
      write(tmp, "job.yaml", c.jobYaml().getBytes(StandardCharsets.UTF_8), files);
      write(tmp, "provenance.json", Persisted.write(c.provenance(), Provenance.FORMAT), files);
      List<String> requires = null;
      EmbeddingsFiles.WrittenParts parts = null;
      if (c.sparse() != null && c.sparse().embeddings().store() instanceof ShardedStore sharded) {
        boolean delta = lastFull != null && sinceFull + 1 < fullEvery && Fs.exists(new Path(dir, lastFull));
        parts = EmbeddingsFiles.writeSharded(c.sparse().embeddings(), sharded, tmp, id, c.state().globalStep(), delta ? lastFull : null,
            delta ? lastFullParts : null);
        for (EmbeddingsFiles.PartEntry p : parts.here()) {
          files.put(p.name(), new FileEntry(p.bytes(), p.sha256()));
        }
        write(tmp, EmbeddingsFiles.TABLES, parts.tables(), files);
        requires = delta ? List.of(lastFull) : null;
        LOG.info("checkpoint {}: {} embedding part{} from {} shard{} ({} MB{})", id, parts.here().size(), parts.here().size() == 1 ? "" : "s",
            sharded.shards(), sharded.shards() == 1 ? "" : "s",
            String.format("%.1f", parts.here().stream().mapToLong(EmbeddingsFiles.PartEntry::bytes).sum() / 1048576.0),
            delta ? ", rows changed since " + lastFull : ", every row");
      } else if (c.sparse() != null) {
        EmbeddingsFiles.Written e = EmbeddingsFiles.write(c.sparse().embeddings());
        write(tmp, EmbeddingsFiles.TABLES, e.tables(), files);
        write(tmp, EmbeddingsFiles.ROWS, e.rows(), files);
      }
      write(tmp, MANIFEST, Persisted.write(new Manifest(FORMAT, id, Instant.now().toString(), files, requires), FORMAT), null);
      if (Fs.exists(target)) {
        Fs.delete(target); // same step saved again (e.g. a resumed run repeating its last checkpoint)
      }
      if (!Fs.renameNoOverwrite(tmp, target)) {
        throw new IOException("checkpoint " + target + " appeared while writing it");
      }
      if (parts != null) {
        if (requires == null) {
          lastFull = id;
          lastFullParts = parts.here();
          sinceFull = 0;
        } else {
          sinceFull++;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the shards' change tracking may now start at parts that were never committed: the next checkpoint is full
      lastFull = null;
      lastFullParts = null;
      try {
        Fs.delete(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new UncheckedIOException("cannot write checkpoint " + target, (IOException) e);
    }
    prune(keep);
    return id;
  }

  private static void write(Path dir, String name, byte[] bytes, Map<String, FileEntry> files) throws IOException {
    Path p = new Path(dir, name);
    try (FSDataOutputStream out = Fs.create(p)) {
      out.write(bytes);
      out.hsync();
    }
    if (files != null) {
      files.put(name, new FileEntry(bytes.length, Checksums.sha256(bytes)));
    }
  }

  private void removeStaleTemporaries() throws IOException {
    for (FileStatus st : Fs.list(dir)) {
      if (st.getPath().getName().startsWith("._tmp.")) {
        Fs.delete(st.getPath()); // left by a process killed mid-write: one writer per run, so never in use
      }
    }
  }

  @Override
  public List<String> list() {
    List<String> out = new ArrayList<>();
    try {
      for (FileStatus st : Fs.list(dir)) {
        String n = st.getPath().getName();
        if (st.isDirectory() && n.startsWith(PREFIX)) {
          out.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    Collections.sort(out);
    return out;
  }

  @Override
  public Optional<Checkpoint> latestGood() {
    return latestGood(new LinkedHashMap<>());
  }

  @Override
  public Optional<Checkpoint> latestGood(Map<String, String> refused) {
    List<String> ids = list();
    for (int i = ids.size() - 1; i >= 0; i--) {
      try {
        return Optional.of(load(ids.get(i)));
      } catch (CorruptDataException e) {
        LOG.warn("checkpoint {} is damaged and was skipped: {}", ids.get(i), e.getMessage());
        refused.put(ids.get(i), e.getMessage());
      }
    }
    return Optional.empty();
  }

  @Override
  public Checkpoint load(String id) {
    Path cp = new Path(dir, id);
    Path mf = new Path(cp, MANIFEST);
    Manifest m;
    try {
      m = Persisted.read(Fs.readAll(mf), Manifest.class, FORMAT, mf.toString());
    } catch (FileNotFoundException e) {
      throw new CorruptDataException(cp.toString(), "no " + MANIFEST + ": the checkpoint is incomplete");
    } catch (IOException e) {
      throw new CorruptDataException(mf.toString(), "unreadable checkpoint manifest: " + e.getMessage(), e);
    }
    Map<String, byte[]> content = new LinkedHashMap<>();
    for (Map.Entry<String, FileEntry> f : m.files().entrySet()) {
      if (!f.getKey().startsWith(PART_PREFIX)) { // a sharded store's parts are verified as they are read
        content.put(f.getKey(), Checksums.readVerified(new Path(cp, f.getKey()), f.getValue().bytes(), f.getValue().sha256()));
      }
    }
    if (m.requires() != null) {
      for (String r : m.requires()) {
        if (!Fs.exists(new Path(new Path(dir, r), MANIFEST))) {
          throw new CorruptDataException(cp.toString(), "holds the rows changed since checkpoint " + r + ", which is gone");
        }
      }
    }
    try {
      ComputationGraph g = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(content.get("model.zip")), true);
      ModelSpec spec = Persisted.read(content.get("spec.json"), ModelSpec.class, ModelSpec.FORMAT, new Path(cp, "spec.json").toString());
      Checkpoint.Sparse sparse = null;
      if (spec.config().embeddings().beside()) {
        if (!content.containsKey(EmbeddingsFiles.TABLES)) {
          throw new CorruptDataException(cp.toString(), "the model keeps its tables beside the network but the checkpoint has no "
              + EmbeddingsFiles.TABLES);
        }
        EmbeddingsFiles.Tables tables = EmbeddingsFiles.tables(content.get(EmbeddingsFiles.TABLES), new Path(cp, EmbeddingsFiles.TABLES).toString());
        if (tables.parts() != null) {
          sparse = EmbeddingsFiles.readSharded(spec, g, tables, dir);
        } else {
          if (!content.containsKey(EmbeddingsFiles.ROWS)) {
            throw new CorruptDataException(cp.toString(), "the model keeps its tables beside the network but the checkpoint has no "
                + EmbeddingsFiles.ROWS);
          }
          sparse = new Checkpoint.Sparse(g, spec, EmbeddingsFiles.read(spec, tables, content.get(EmbeddingsFiles.ROWS),
              new Path(cp, EmbeddingsFiles.ROWS).toString()));
        }
        SparseEmbeddings e = sparse.embeddings();
        RecommenderModel plain = e.inNetwork(RecommenderModel.wrap(spec, g, null, e));
        g = plain.graph();
        spec = plain.spec();
      }
      return new Checkpoint(id, g,
          Persisted.read(content.get("state.json"), TrainingState.class, TrainingState.FORMAT, new Path(cp, "state.json").toString()),
          spec,
          FeatureTransform.fromJson(new String(content.get("transform.json"), StandardCharsets.UTF_8), new Path(cp, "transform.json").toString()),
          new String(content.get("job.yaml"), StandardCharsets.UTF_8),
          Persisted.read(content.get("provenance.json"), Provenance.class, Provenance.FORMAT, new Path(cp, "provenance.json").toString()),
          sparse);
    } catch (IOException | RuntimeException e) {
      throw new CorruptDataException(cp.toString(), "checksums match but the content does not load: " + e.getMessage(), e);
    }
  }

  /**
   * {@code best.json}: which checkpoint is the best so far, with the SHA-256 of that id so that a damaged file is
   * recognised as such (format 1, written before, has no checksum and is trusted when its checkpoint exists).
   */
  record Best(String id, String sha256) {}

  /** The version of {@code best.json}'s format (see {@link Persisted}); 2 added the checksum. */
  static final int BEST_FORMAT = 2;
  static final String BEST = "best.json";

  @Override
  public void markBest(String id) {
    Path p = new Path(dir, BEST);
    try {
      Fs.writeAtomically(p, Persisted.write(new Best(id, Checksums.sha256(id)), BEST_FORMAT));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot mark best checkpoint in " + dir, e);
    }
  }

  /**
   * The best checkpoint's id. A damaged {@code best.json} (not JSON, a checksum that does not match, a checkpoint that
   * is not there) is rebuilt from the checkpoints themselves, with a warning naming the file: every checkpoint's
   * training state records the best checkpoint as of its step, so the newest readable state says which one it is.
   */
  @Override
  public Optional<String> best() {
    Path p = new Path(dir, BEST);
    if (!Fs.exists(p)) {
      return Optional.empty();
    }
    String damage;
    String id = null;
    try {
      JsonNode tree = Persisted.readTree(Fs.readAll(p), BEST_FORMAT, p.toString());
      id = tree.path("id").asText(null);
      damage = id == null || id.isEmpty() ? "no checkpoint id"
          : Persisted.versionOf(tree, p.toString()) >= 2 && !Checksums.sha256(id).equals(tree.path("sha256").asText())
              ? "checksum mismatch for id '" + printable(id) + "'"
          : !Fs.exists(new Path(new Path(dir, id), MANIFEST)) ? "names checkpoint '" + printable(id) + "', which is not in " + dir
          : null;
    } catch (UnsupportedFormatException e) {
      throw e; // written by a newer Tandem: not ours to rewrite
    } catch (CorruptDataException e) {
      damage = e.getMessage().startsWith(p + ": ") ? e.getMessage().substring(p.toString().length() + 2) : e.getMessage();
    } catch (IOException e) {
      damage = "unreadable: " + e.getMessage();
    }
    if (damage == null) {
      return Optional.of(id);
    }
    Optional<String> rebuilt = rebuildBest();
    LOG.warn("{} is damaged ({}); rebuilt from the checkpoints' training state: best is {}", p, damage,
        rebuilt.orElse("none (no checkpoint records one)"));
    try {
      if (rebuilt.isPresent()) {
        markBest(rebuilt.get());
      } else {
        Fs.delete(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not rewrite {}: {}", p, e.getMessage());
    }
    return rebuilt;
  }

  /**
   * The best checkpoint according to the checkpoints: the best recorded in the newest readable training state, if that
   * checkpoint is still there; else the newest checkpoint whose epoch improved the validation metric.
   */
  private Optional<String> rebuildBest() {
    List<String> ids = list();
    for (int i = ids.size() - 1; i >= 0; i--) {
      Optional<TrainingState> st = verifiedState(ids.get(i));
      if (st.isPresent()) {
        String b = st.get().bestCheckpoint();
        if (b != null && ids.contains(b) && verifiedState(b).isPresent()) {
          return Optional.of(b);
        }
        break;
      }
    }
    for (int i = ids.size() - 1; i >= 0; i--) {
      Optional<TrainingState> st = verifiedState(ids.get(i));
      if (st.isPresent() && st.get().stepInEpoch() == 0 && !st.get().history().isEmpty()
          && st.get().history().get(st.get().history().size() - 1).improved()) {
        return Optional.of(ids.get(i));
      }
    }
    return Optional.empty();
  }

  /** A checkpoint's training state, checked against its manifest, without loading the model; empty if damaged. */
  private Optional<TrainingState> verifiedState(String id) {
    Path cp = new Path(dir, id);
    Path mf = new Path(cp, MANIFEST);
    try {
      Manifest m = Persisted.read(Fs.readAll(mf), Manifest.class, FORMAT, mf.toString());
      FileEntry e = m.files().get("state.json");
      if (e == null) {
        return Optional.empty();
      }
      Path sp = new Path(cp, "state.json");
      return Optional.of(Persisted.read(Checksums.readVerified(sp, e.bytes(), e.sha256()), TrainingState.class, TrainingState.FORMAT,
          sp.toString()));
    } catch (IOException | CorruptDataException e) {
      return Optional.empty();
    }
  }

  /** The checkpoints a checkpoint reads files of (an incremental one's full one); empty when unreadable. */
  private List<String> requires(String id) {
    Path mf = new Path(new Path(dir, id), MANIFEST);
    try {
      Manifest m = Persisted.read(Fs.readAll(mf), Manifest.class, FORMAT, mf.toString());
      return m.requires() == null ? List.of() : m.requires();
    } catch (IOException | CorruptDataException e) {
      return List.of();
    }
  }

  private static String printable(String s) {
    String p = s.replaceAll("\\p{Cntrl}", "?");
    return p.length() > 60 ? p.substring(0, 60) + "..." : p;
  }

  private void prune(int keep) {
    List<String> ids = list();
    String best = best().orElse(null);
    java.util.Set<String> required = new java.util.HashSet<>();
    for (int i = Math.max(0, ids.size() - keep); i < ids.size(); i++) {
      required.addAll(requires(ids.get(i)));
    }
    if (best != null) {
      required.addAll(requires(best));
    }
    for (int i = 0; i < ids.size() - keep; i++) {
      if (!ids.get(i).equals(best) && !required.contains(ids.get(i))) {
        try {
          Fs.delete(new Path(dir, ids.get(i)));
        } catch (IOException e) {
          LOG.warn("could not delete old checkpoint {}: {}", ids.get(i), e.getMessage());
        }
      }
    }
  }


}

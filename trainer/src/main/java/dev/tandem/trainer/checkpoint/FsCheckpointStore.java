package dev.tandem.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.format.Persisted;
import dev.tandem.format.UnsupportedFormatException;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
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
  /** The version of {@code checkpoint.json}'s format (see {@link Persisted}). */
  static final int FORMAT = 1;

  private final Path dir;

  /** The store of a run's {@code checkpoints/} directory (created by the first save). */
  public FsCheckpointStore(Path dir) {
    this.dir = dir;
  }

  /** The directory holding the checkpoints. */
  public Path dir() {
    return dir;
  }

  /** Id of a checkpoint taken after {@code globalStep} steps. */
  public static String idFor(long globalStep) {
    return String.format("%s%010d", PREFIX, globalStep);
  }

  /** The manifest of one checkpoint. */
  record Manifest(int format, String id, String created, Map<String, FileEntry> files) {}

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
      if (c.sparse() != null) {
        EmbeddingsFiles.Written e = EmbeddingsFiles.write(c.sparse().embeddings());
        write(tmp, EmbeddingsFiles.TABLES, e.tables(), files);
        write(tmp, EmbeddingsFiles.ROWS, e.rows(), files);
      }
      write(tmp, MANIFEST, Persisted.write(new Manifest(FORMAT, id, Instant.now().toString(), files), FORMAT), null);
      if (Fs.exists(target)) {
        Fs.delete(target); // same step saved again (e.g. a resumed run repeating its last checkpoint)
      }
      if (!Fs.renameNoOverwrite(tmp, target)) {
        throw new IOException("checkpoint " + target + " appeared while writing it");
      }
    } catch (IOException e) {
      try {
        Fs.delete(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("cannot write checkpoint " + target, e);
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
      content.put(f.getKey(), Checksums.readVerified(new Path(cp, f.getKey()), f.getValue().bytes(), f.getValue().sha256()));
    }
    try {
      ComputationGraph g = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(content.get("model.zip")), true);
      ModelSpec spec = Persisted.read(content.get("spec.json"), ModelSpec.class, ModelSpec.FORMAT, new Path(cp, "spec.json").toString());
      Checkpoint.Sparse sparse = null;
      if (spec.config().embeddings().beside()) {
        if (!content.containsKey(EmbeddingsFiles.TABLES) || !content.containsKey(EmbeddingsFiles.ROWS)) {
          throw new CorruptDataException(cp.toString(), "the model keeps its tables beside the network but the checkpoint has no "
              + EmbeddingsFiles.ROWS);
        }
        SparseEmbeddings e = EmbeddingsFiles.read(spec, content.get(EmbeddingsFiles.TABLES), content.get(EmbeddingsFiles.ROWS),
            new Path(cp, EmbeddingsFiles.ROWS).toString());
        sparse = new Checkpoint.Sparse(g, spec, e);
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

  private static String printable(String s) {
    String p = s.replaceAll("\\p{Cntrl}", "?");
    return p.length() > 60 ? p.substring(0, 60) + "..." : p;
  }

  private void prune(int keep) {
    List<String> ids = list();
    String best = best().orElse(null);
    for (int i = 0; i < ids.size() - keep; i++) {
      if (!ids.get(i).equals(best)) {
        try {
          Fs.delete(new Path(dir, ids.get(i)));
        } catch (IOException e) {
          LOG.warn("could not delete old checkpoint {}: {}", ids.get(i), e.getMessage());
        }
      }
    }
  }


}

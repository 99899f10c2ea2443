package dev.tandem.trainer.checkpoint;

import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.model.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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

  public FsCheckpointStore(Path dir) {
    this.dir = dir;
  }

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
    try (FSDataOutputStream out = Fs.fs(p).create(p, true)) {
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
    List<String> ids = list();
    for (int i = ids.size() - 1; i >= 0; i--) {
      try {
        return Optional.of(load(ids.get(i)));
      } catch (CorruptDataException e) {
        LOG.warn("checkpoint {} is damaged and was skipped: {}", ids.get(i), e.getMessage());
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
    } catch (java.io.FileNotFoundException e) {
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
      return new Checkpoint(id, g,
          Persisted.read(content.get("state.json"), TrainingState.class, TrainingState.FORMAT, new Path(cp, "state.json").toString()),
          Persisted.read(content.get("spec.json"), ModelSpec.class, ModelSpec.FORMAT, new Path(cp, "spec.json").toString()),
          FeatureTransform.fromJson(new String(content.get("transform.json"), StandardCharsets.UTF_8), new Path(cp, "transform.json").toString()),
          new String(content.get("job.yaml"), StandardCharsets.UTF_8),
          Persisted.read(content.get("provenance.json"), Provenance.class, Provenance.FORMAT, new Path(cp, "provenance.json").toString()));
    } catch (IOException | RuntimeException e) {
      throw new CorruptDataException(cp.toString(), "checksums match but the content does not load: " + e.getMessage(), e);
    }
  }

  @Override
  public void markBest(String id) {
    try {
      Fs.writeAtomically(new Path(dir, "best.json"), Persisted.write(Map.of("id", id), 1));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot mark best checkpoint in " + dir, e);
    }
  }

  @Override
  public Optional<String> best() {
    Path p = new Path(dir, "best.json");
    if (!Fs.exists(p)) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(Persisted.readTree(Fs.readAll(p), 1, p.toString()).path("id").asText(null));
    } catch (IOException e) {
      throw new CorruptDataException(p.toString(), "unreadable: " + e.getMessage(), e);
    }
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

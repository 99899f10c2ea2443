package dev.tandem.trainer.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetPreparer;
import dev.tandem.datasets.Manifest;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Finds or prepares the dataset of a job: a given prepared dataset, or one cached by its recipe. */
public final class Datasets {
  private static final Logger LOG = LogManager.getLogger(Datasets.class);

  private Datasets() {}

  /**
   * The job's prepared dataset: {@code prepared:} if set (checked against the job's dataset section when it has one),
   * else {@code <cache>/datasets/<recipe key>}, prepared on first use. The recipe key covers the dataset configuration
   * and the raw inputs' sizes and modification times, so a changed input or configuration prepares anew.
   *
   * @throws ConfigException naming {@code prepared} and what differs when the prepared dataset was made from another
   *     dataset section or other raw files than the job's
   */
  public static PreparedDataset resolve(ConfigLoader.Loaded<JobConfig> job, String cacheRoot, Progress progress) {
    JobConfig c = job.value();
    if (c.prepared() != null) {
      PreparedDataset ds = PreparedDataset.open(Fs.resolve(job.baseDir(), c.prepared()).toString());
      if (c.dataset() != null) {
        checkPreparedFrom(job, ds, cacheRoot);
      }
      LOG.info("using the prepared dataset at {}", ds.dir());
      return ds;
    }
    JsonNode tree = job.tree().get("dataset");
    DatasetPreparer prep = new DatasetPreparer(c.dataset(), tree, job.baseDir(), cacheRoot, progress);
    String key = prep.cacheKey();
    Path dir = new Path(Fs.path(cacheRoot), "datasets/" + key); // jobs with the same dataset section share it
    if (Fs.exists(new Path(dir, Manifest.FILE))) {
      LOG.info("using the prepared dataset cached at {}", dir);
      return PreparedDataset.open(dir.toString());
    }
    LOG.info("preparing the dataset into {}", dir);
    return prep.prepare(dir, true);
  }

  /** Keys of a dataset section that do not change what is prepared, or that name files compared by their content. */
  private static boolean comparable(String key) {
    return !key.equals("threads") && !(key.startsWith("source.") && (key.endsWith(".path") || key.endsWith(".dir")
        || key.equals("source.path") || key.equals("source.dir")));
  }

  /**
   * A prepared dataset serves a job that also has a dataset section only if it was prepared from that section and
   * from the same raw files: else a run would record one recipe and train on another.
   */
  static void checkPreparedFrom(ConfigLoader.Loaded<JobConfig> job, PreparedDataset ds, String cacheRoot) {
    JsonNode theirs = ds.manifest().datasetConfig();
    if (theirs == null) {
      throw new ConfigException("prepared", ds.dir() + " does not record the dataset section it was prepared from; remove the job's "
          + "dataset section to train on it as it is");
    }
    Map<String, String> a = ConfigLoader.flatten(job.tree().get("dataset"));
    Map<String, String> b = ConfigLoader.flatten(theirs);
    List<String> differ = new ArrayList<>();
    Set<String> keys = new TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    for (String k : keys) {
      if (comparable(k) && !Objects.equals(a.get(k), b.get(k))) {
        differ.add("dataset." + k + ": the job has " + show(a.get(k)) + ", " + ds.dir() + " was prepared with " + show(b.get(k)));
      }
    }
    if (!differ.isEmpty()) {
      throw new ConfigException("prepared", ds.dir() + " was prepared from another dataset section than the job's: " + String.join("; ", differ)
          + ". Prepare it again (tandem data prepare --config JOB --out DIR --overwrite), or leave out prepared/--data to let train "
          + "prepare the job's own");
    }
    if (job.value().dataset().source() instanceof SyntheticSource) {
      return; // generated from the parameters compared above
    }
    String key = new DatasetPreparer(job.value().dataset(), theirs, job.baseDir(), cacheRoot, Progress.NONE).cacheKey();
    if (!key.equals(ds.manifest().cacheKey())) {
      List<String> inputs = new ArrayList<>();
      ds.manifest().inputs().forEach(f -> inputs.add(f.path() + " (" + f.bytes() + " bytes, modified " + Instant.ofEpochMilli(f.modifiedMillis())
          + ")"));
      throw new ConfigException("prepared", ds.dir() + " was prepared from other raw files than the job reads now (changed since, or found"
          + " in another directory): it was prepared from " + String.join(", ", inputs) + ". Prepare it again, or leave out prepared/--data");
    }
  }

  private static String show(String v) {
    return v == null ? "nothing" : "'" + v + "'";
  }

  static String configSha(ConfigLoader.Loaded<JobConfig> job) {
    try {
      return Checksums.sha256(Persisted.json().writeValueAsBytes(job.tree()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the job config", e);
    }
  }
}

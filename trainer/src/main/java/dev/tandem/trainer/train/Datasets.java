package dev.tandem.trainer.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetPreparer;
import dev.tandem.datasets.Manifest;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Finds or prepares the dataset of a job: a given prepared dataset, or one cached by its recipe. */
public final class Datasets {
  private static final Logger LOG = LogManager.getLogger(Datasets.class);

  private Datasets() {}

  /**
   * The job's prepared dataset: {@code prepared:} if set, else {@code <cache>/datasets/<recipe key>}, prepared on first
   * use. The recipe key covers the dataset configuration and the raw inputs' sizes and modification times, so a changed
   * input or configuration prepares anew.
   */
  public static PreparedDataset resolve(ConfigLoader.Loaded<JobConfig> job, String cacheRoot, Progress progress) {
    JobConfig c = job.value();
    if (c.prepared() != null) {
      return PreparedDataset.open(Fs.resolve(job.baseDir(), c.prepared()).toString());
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

  static String configSha(ConfigLoader.Loaded<JobConfig> job) {
    try {
      return dev.tandem.fs.Checksums.sha256(Persisted.json().writeValueAsBytes(job.tree()));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the job config", e);
    }
  }
}

package dev.tandem.trainer.train;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;

/**
 * A request to train: the loaded job, its run directory, the prepared dataset, whether to resume, and where
 * progress goes.
 *
 * @param fresh with {@code resume}: when every checkpoint of the run is damaged, start over (the damaged checkpoints are
 *              moved aside) instead of refusing
 */
public record RunRequest(ConfigLoader.Loaded<JobConfig> job, RunDirectory run, PreparedDataset dataset, boolean resume,
    Progress progress, boolean fresh) {

  /** A request that refuses to start over when every checkpoint is damaged. */
  public RunRequest(ConfigLoader.Loaded<JobConfig> job, RunDirectory run, PreparedDataset dataset, boolean resume, Progress progress) {
    this(job, run, dataset, resume, progress, false);
  }

  public JobConfig config() {
    return job.value();
  }
}

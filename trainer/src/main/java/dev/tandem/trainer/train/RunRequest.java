package dev.tandem.trainer.train;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;

/**
 * A request to train: the loaded job, its run directory, the prepared dataset, whether to resume, and where
 * progress goes.
 */
public record RunRequest(ConfigLoader.Loaded<JobConfig> job, RunDirectory run, PreparedDataset dataset, boolean resume,
    Progress progress) {

  public JobConfig config() {
    return job.value();
  }
}

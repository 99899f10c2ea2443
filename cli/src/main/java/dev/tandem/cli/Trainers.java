package dev.tandem.cli;

import dev.tandem.config.ConfigLoader;
import dev.tandem.fs.Fs;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.spark.SparkTrainer;
import dev.tandem.trainer.ClusterSection;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.Trainer;

/** Picks the trainer for a job: this JVM, or a Spark cluster when the job says {@code cluster.mode: spark}. */
final class Trainers {
  private Trainers() {}

  /**
   * @param clusterFile the --cluster option (wins over the job's cluster.config), or null
   */
  static Trainer forJob(ConfigLoader.Loaded<JobConfig> job, String clusterFile) {
    ClusterSection c = job.value().cluster();
    if (c.mode() != ClusterSection.Mode.SPARK) {
      if (clusterFile != null) {
        throw new IllegalArgumentException("--cluster was given but the job trains locally: set cluster.mode: spark in the job (or --set cluster.mode=spark)");
      }
      return new LocalTrainer();
    }
    return new SparkTrainer(cluster(job, clusterFile));
  }

  static ClusterConfig cluster(ConfigLoader.Loaded<JobConfig> job, String clusterFile) {
    if (clusterFile != null) {
      return ClusterConfig.load(clusterFile);
    }
    String configured = job.value().cluster().config();
    if (configured != null) {
      return ClusterConfig.load(Fs.resolve(job.baseDir(), configured).toString());
    }
    return ClusterConfig.local(2);
  }
}

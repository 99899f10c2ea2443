package dev.tandem.ps.spark;

import dev.tandem.datasets.split.SplitName;
import dev.tandem.ps.AeronNode;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.trainer.ClusterSection;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.EpochRunner;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunRequest;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Distributed training on Spark: the same run as {@link LocalTrainer} (validation, checkpoints to any Hadoop file
 * system, early stopping, baseline, resume), with each epoch's steps run by the cluster's executors through DL4J's
 * SharedTrainingMaster and gradients shared over Aeron. The driver evaluates and checkpoints.
 */
public final class SparkTrainer extends LocalTrainer {
  private static final Logger LOG = LogManager.getLogger(SparkTrainer.class);
  private final ClusterConfig cluster;
  private JavaSparkContext sc;

  public SparkTrainer(ClusterConfig cluster) {
    this.cluster = cluster;
  }

  @Override
  protected String name() {
    return "spark:" + (SparkContexts.launchedBySparkSubmit() ? System.getProperty("spark.master") : cluster.master());
  }

  @Override
  protected EpochRunner epochRunner(RunRequest req, ModelSpec spec) {
    JobConfig job = req.config();
    ClusterSection section = job.cluster();
    if (!cluster.isLocal()) {
      AeronNode.prepare(cluster.aeron(), "driver");
    }
    sc = SparkContexts.open(cluster, "tandem-" + job.name());
    int workers = section.workers() != null ? section.workers() : Math.max(1, sc.defaultParallelism());
    float[] logq = null;
    if (spec.isTwoTower()) {
      Examples positives = Examples.of(req.dataset(), req.dataset().read(SplitName.TRAIN)).positives();
      logq = TwoTowerModel.itemLogq(positives, req.dataset().items().size());
    }
    LOG.info("training on {} with {} workers (executors read their own train shards; gradients over Aeron)", sc.master(), workers);
    return new SparkEpochs(sc, cluster, section, req.dataset(), spec, logq, workers, job.train().batchSize(), job.seed(), req.run());
  }

  @Override
  public TrainingState train(RunRequest req) {
    try {
      return super.train(req);
    } finally {
      if (sc != null && !SparkContexts.launchedBySparkSubmit()) {
        sc.stop();
      }
    }
  }
}

package dev.tandem.ps.spark;

import dev.tandem.ps.AeronNode;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.Dl4jInternals;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.train.EpochRunner;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunRequest;
import dev.tandem.trainer.train.Trainer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Distributed training on Spark: the same run as {@link LocalTrainer} (validation, checkpoints to any Hadoop file
 * system, early stopping, baseline, resume), with each epoch's steps run by the cluster's executors through DL4J's
 * SharedTrainingMaster and gradients shared over Aeron. The driver evaluates and checkpoints.
 */
public final class SparkTrainer implements Trainer {
  private static final Logger LOG = LogManager.getLogger(SparkTrainer.class);
  private final ClusterConfig cluster;

  /** @param cluster where Spark runs (ignored for the master and resources when launched by spark-submit) */
  public SparkTrainer(ClusterConfig cluster) {
    this.cluster = cluster;
  }

  /**
   * Trains (or resumes) the run on the cluster. Everything this opens is closed before it returns, whether training
   * succeeded or threw: the epoch runner (the driver's gradient-sharing transport and traffic meter) by the training
   * loop, then the Spark context, which is stopped unless spark-submit owns it.
   *
   * @throws dev.tandem.ps.Dl4jIncompatibleException before Spark starts, if DL4J's internals are not those Tandem's
   *     fixes were written for
   * @throws dev.tandem.ps.StartupException if the gradient-sharing network cannot start (the message names the key)
   */
  @Override
  public TrainingState train(RunRequest req) {
    Dl4jInternals dl4j = Dl4jInternals.verified();
    if (!cluster.isLocal()) {
      AeronNode.prepare(cluster.aeron(), "driver");
    }
    try (SparkContextHandle context = SparkContextHandle.open(cluster, "tandem-" + req.config().name())) {
      return new OnCluster(context.context(), dl4j).train(req);
    }
  }

  /** The local trainer's run, with the main model's epochs on the cluster of one Spark context. */
  private final class OnCluster extends LocalTrainer {
    private final JavaSparkContext sc;
    private final Dl4jInternals dl4j;

    OnCluster(JavaSparkContext sc, Dl4jInternals dl4j) {
      this.sc = sc;
      this.dl4j = dl4j;
    }

    @Override
    protected String name() {
      return "spark:" + sc.master();
    }

    @Override
    protected EpochRunner epochRunner(RunRequest req, ModelSpec spec) {
      JobConfig job = req.config();
      Integer configured = job.cluster().workers();
      int workers = configured != null ? configured : Math.max(1, sc.defaultParallelism());
      String gradients = sc.isLocal() ? "Spark local mode: executors share the driver's parameter server" : "gradients over Aeron";
      LOG.info("training on {} with {} workers: each executor reads its own train shards of {}; {}", sc.master(), workers,
          req.dataset().dir(), gradients);
      return new SparkEpochs(sc, cluster, job.cluster(), req.dataset(), spec, workers, job.train().batchSize(), job.seed(), req.run(), dl4j);
    }
  }
}

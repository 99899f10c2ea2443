package dev.tandem.trainer.train;

import dev.tandem.trainer.model.RecommenderModel;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.parallelism.ParallelWrapper;

/**
 * Data-parallel training on one machine: ParallelWrapper with one model replica per thread, each training on its own
 * minibatches, parameters averaged across replicas after every {@link #AVERAGING_FREQUENCY} steps. Each replica runs
 * ND4J ops on one thread (OMP_NUM_THREADS=1): on this hardware the per-op overhead, not arithmetic, bounds a step, so
 * threads pay off across replicas rather than inside an op.
 */
public final class ParallelTraining {
  /** Steps between parameter averaging. */
  public static final int AVERAGING_FREQUENCY = 4;

  private ParallelTraining() {}

  public static ParallelWrapper wrapper(RecommenderModel model, int workers) {
    return new ParallelWrapper.Builder<>(model.graph())
        .workers(workers)
        .prefetchBuffer(2 * workers)
        .trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
        .averagingFrequency(AVERAGING_FREQUENCY)
        .averageUpdaters(true)
        .reportScoreAfterAveraging(true)
        .workspaceMode(WorkspaceMode.ENABLED)
        .build();
  }
}

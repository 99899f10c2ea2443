package dev.tandem.trainer.train;

import dev.tandem.progress.Progress;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RecommenderModel;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.parallelism.ParallelWrapper;

/**
 * Data-parallel training on one machine: ParallelWrapper with one model replica per thread, each training on its own
 * minibatches, parameters (and updater state) averaged across replicas every {@link #AVERAGING_FREQUENCY} steps.
 * Checkpoints are written at epoch ends only. On 2 cores this measured no faster than one thread (README); it is for
 * machines with more cores.
 */
public final class ParallelEpochs implements EpochRunner {
  /** Steps between parameter averaging. */
  public static final int AVERAGING_FREQUENCY = 4;

  private final int workers;
  private ParallelWrapper wrapper;

  public ParallelEpochs(int workers) {
    this.workers = workers;
  }

  static ParallelWrapper wrapper(RecommenderModel model, int workers) {
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

  @Override
  public Done run(RecommenderModel model, Examples data, Epoch e, Progress.Task task, Checkpointer checkpointer) {
    if (wrapper == null) {
      wrapper = wrapper(model, workers);
    }
    EpochBatches it = new EpochBatches(model, data, e.order(), e.batch(), e.firstStep(), e.steps(), e.seed(), e.start().globalStep(), task);
    wrapper.fit(it);
    double loss = model.graph().score();
    TrainingLoop.checkFinite(loss, e.epoch(), e.steps());
    return new Done(it.served(), (long) it.served() * e.batch(), loss * it.served());
  }

  @Override
  public void close() {
    if (wrapper != null) {
      wrapper.shutdown();
      wrapper = null;
    }
  }
}

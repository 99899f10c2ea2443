package dev.tandem.trainer.checkpoint;

import dev.tandem.trainer.metrics.EpochMetrics;
import java.util.List;

/**
 * Where training stands, saved with every checkpoint so that {@code --resume} continues exactly there. The data
 * order of an epoch is a function of (seed, epoch), and each step reseeds ND4J's RNG from (seed, step), so
 * (epoch, stepInEpoch) is the complete data position and RNG state.
 *
 * @param epoch                    the epoch in progress (0-based)
 * @param stepInEpoch              the next step to run within that epoch
 * @param globalStep               steps run so far
 * @param seed                     the run's seed
 * @param bestMetric               best validation metric so far (NaN before the first evaluation)
 * @param bestCheckpoint           id of the checkpoint that holds it
 * @param epochsWithoutImprovement for early stopping
 * @param finished                 true once training ended (early stop or last epoch)
 * @param stopReason               why it ended
 * @param history                  one entry per finished epoch: the metrics written to metrics.jsonl
 * @param epochLossSum             sum of the minibatch losses of the epoch in progress (for its reported mean)
 * @param epochLossSteps           how many steps that sum covers
 */
public record TrainingState(int epoch, int stepInEpoch, long globalStep, long seed, double bestMetric, String bestCheckpoint,
    int epochsWithoutImprovement, boolean finished, String stopReason, List<EpochMetrics> history, double epochLossSum,
    long epochLossSteps) {
  /** The version of {@code state.json}'s format (see {@link dev.tandem.format.Persisted}). */
  public static final int FORMAT = 1;

  public static TrainingState start(long seed) {
    return new TrainingState(0, 0, 0, seed, Double.NaN, null, 0, false, null, List.of(), 0, 0);
  }
}

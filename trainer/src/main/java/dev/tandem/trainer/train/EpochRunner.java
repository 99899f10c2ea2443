package dev.tandem.trainer.train;

import dev.tandem.progress.Progress;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RecommenderModel;

/**
 * Runs the optimisation steps of one epoch. The training loop around it (validation, checkpoints, early stopping,
 * metrics) is the same whether the steps run serially on this thread, on several threads, or on a Spark cluster.
 */
public interface EpochRunner extends AutoCloseable {

  /** Where an epoch starts and what it covers. {@code order} is the epoch's shuffle of {@code data}. */
  record Epoch(int epoch, int[] order, int firstStep, int steps, int batch, long seed, TrainingState start) {}

  /** What an epoch did: steps run, examples seen, and the sum of the minibatch losses. */
  record Done(long steps, long examples, double lossSum) {}

  /** Saves a mid-epoch checkpoint; runners that can pause between steps call it. */
  @FunctionalInterface
  interface Checkpointer {
    void save(TrainingState state);
  }

  Done run(RecommenderModel model, Examples data, Epoch epoch, Progress.Task task, Checkpointer checkpointer);

  /** Whether this runner writes checkpoints within an epoch (serial runs do; data-parallel ones only at epoch ends). */
  default boolean checkpointsWithinEpochs() {
    return false;
  }

  @Override
  default void close() {}
}

package dev.tandem.trainer.train;

import dev.tandem.progress.Progress;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RecommenderModel;

/**
 * Runs the optimisation steps of one epoch. The training loop around it (validation, checkpoints, early stopping,
 * metrics) is the same whether the steps run serially on this thread, on several threads, or on a Spark cluster. The
 * loop owns the runner: it calls {@link #run} once per epoch, from one thread, and {@link #close} when training ends
 * (normally or not).
 */
public interface EpochRunner extends AutoCloseable {

  /** Where an epoch starts and what it covers. {@code order} is the epoch's shuffle of {@code data}. */
  record Epoch(int epoch, int[] order, int firstStep, int steps, int batch, long seed, TrainingState start) {}

  /** What an epoch did: steps run, examples seen, and the sum of the minibatch losses. */
  record Done(long steps, long examples, double lossSum) {}

  /** Saves a mid-epoch checkpoint; runners that can pause between steps call it. */
  @FunctionalInterface
  interface Checkpointer {
    /**
     * Checkpoints the model as it is now, with {@code state} saying where training stands (the next step to run).
     *
     * @throws java.io.UncheckedIOException when the checkpoint cannot be written: the epoch then fails
     */
    void save(TrainingState state);
  }

  /**
   * Trains {@code model} on steps {@code firstStep .. steps - 1} of the epoch, in the epoch's order, updating the model
   * in place (for a distributed runner: bringing the trained parameters back into it before returning). Each step's
   * examples are {@code order[step * batch ..]}; progress advances by the examples trained.
   *
   * @param task         the epoch's progress, the caller's (it closes it)
   * @param checkpointer for mid-epoch checkpoints; only runners that {@link #checkpointsWithinEpochs} call it
   * @return what the epoch did, counting only the steps this call ran
   * @throws IllegalStateException when the loss stops being finite (with advice on what to change)
   * @throws RuntimeException      when a step fails (a distributed runner retries a failed epoch before giving up)
   */
  Done run(RecommenderModel model, Examples data, Epoch epoch, Progress.Task task, Checkpointer checkpointer);

  /** Whether this runner writes checkpoints within an epoch (serial runs do; data-parallel ones only at epoch ends). */
  default boolean checkpointsWithinEpochs() {
    return false;
  }

  /** Frees what the runner holds across epochs (threads, a Spark session); harmless when called again. */
  @Override
  default void close() {}
}

package dev.tandem.trainer.train;

import dev.tandem.trainer.checkpoint.TrainingState;

/**
 * Trains the model of a job into a run directory. The single-node implementation is {@link LocalTrainer}; the
 * distributed one (Spark with gradient sharing over Aeron) lives in the parameter-server module behind this same
 * interface.
 */
public interface Trainer {
  /** Trains (or resumes) the run and returns the final training state of the main model. */
  TrainingState train(RunRequest request);
}

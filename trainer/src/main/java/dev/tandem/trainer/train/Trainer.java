package dev.tandem.trainer.train;

import dev.tandem.config.ConfigException;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.trainer.checkpoint.TrainingState;

/**
 * Trains the model of a job into a run directory. The single-node implementation is {@link LocalTrainer}; the
 * distributed one (Spark with gradient sharing over Aeron) lives in the parameter-server module behind this same
 * interface.
 */
public interface Trainer {
  /**
   * Trains (or, with {@code request.resume()}, continues from the last good checkpoint) the job's model and, for a
   * ranking job, its baseline, each with its checkpoints, {@code metrics.jsonl} and curves in the run directory, and
   * records how training ended in {@code run.json}. Blocks until training ends.
   *
   * @return the final training state of the main model (its history holds every finished epoch's metrics)
   * @throws ConfigException      when the job has no model, or its model does not fit the prepared dataset's features
   * @throws CorruptDataException when resuming finds only damaged checkpoints (unless {@code request.fresh()})
   * @throws RuntimeException     when training fails (the loss diverges, a write fails): {@code run.json} then says
   *     {@code failed} with the error
   */
  TrainingState train(RunRequest request);
}

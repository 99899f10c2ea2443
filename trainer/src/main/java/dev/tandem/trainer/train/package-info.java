/**
 * Training a job into a run directory: the {@link dev.tandem.trainer.train.Trainer} interface (the single-node
 * {@link dev.tandem.trainer.train.LocalTrainer} here, the distributed one in the parameter-server module), the loop of
 * one model ({@link dev.tandem.trainer.train.TrainingLoop}: epochs, validation, early stopping, checkpoints, metrics and
 * curves) around an {@link dev.tandem.trainer.train.EpochRunner} (serial, or data-parallel on threads), the run
 * directory ({@link dev.tandem.trainer.train.RunDirectory}), the prepared dataset of a job
 * ({@link dev.tandem.trainer.train.Datasets}), refits on train + validation ({@link dev.tandem.trainer.train.Refit}) and
 * the {@code train} section of a job ({@link dev.tandem.trainer.train.TrainConfig}).
 *
 * <p>Must not import: {@code dev.tandem.trainer.tune}, {@code dev.tandem.ps}, {@code dev.tandem.serving},
 * {@code dev.tandem.cli}, {@code org.apache.spark}. Sweeps run training, and Spark training plugs its epoch runner in
 * from the parameter-server module: neither is known here.
 */
package dev.tandem.trainer.train;

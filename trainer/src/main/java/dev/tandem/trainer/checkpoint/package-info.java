/**
 * Durable checkpoints of a run on any Hadoop file system ({@link dev.tandem.trainer.checkpoint.CheckpointStore},
 * {@link dev.tandem.trainer.checkpoint.FsCheckpointStore}): each an atomically written, checksummed directory holding
 * the model with its updater state, where training stands ({@link dev.tandem.trainer.checkpoint.TrainingState}), the
 * model spec, the feature transform, the job and where the model came from
 * ({@link dev.tandem.trainer.checkpoint.Provenance}, with the numerics runtime that computed it,
 * {@link dev.tandem.trainer.checkpoint.NumericsRuntime}). A checkpoint read back is a verified
 * {@link dev.tandem.trainer.checkpoint.Checkpoint}; a damaged one is never loaded.
 *
 * <p>Must not import: {@code dev.tandem.trainer.train}, {@code dev.tandem.trainer.eval}, {@code dev.tandem.trainer.tune},
 * {@code dev.tandem.ps}, {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code org.apache.spark}. Checkpoints
 * store what training produces; they know nothing of how it is produced, evaluated or searched.
 */
package dev.tandem.trainer.checkpoint;

/**
 * Metrics as values, where they cross packages and modules: a {@link dev.tandem.trainer.metrics.Metric} (name,
 * direction, its key in {@code metrics.jsonl} for a split, the validation metric that picks the best epoch), one
 * epoch's line of {@code metrics.jsonl} ({@link dev.tandem.trainer.metrics.EpochMetrics}), a model's scores on a split
 * ({@link dev.tandem.trainer.metrics.Scores}) and {@code tandem evaluate}'s result
 * ({@link dev.tandem.trainer.metrics.EvaluationResult}). Each record writes and reads the JSON those files have always
 * held; this package is the one place that knows their field names.
 *
 * <p>Must not import: {@code dev.tandem.trainer} (any other package of the trainer), {@code dev.tandem.ps},
 * {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code org.apache.hadoop}, {@code org.apache.spark},
 * {@code org.deeplearning4j}, {@code org.nd4j}. Training, evaluation, checkpoints, sweeps, the CLI and serving all read
 * and write these records, so they sit below all of them; of the datasets module only the split a key is for is used.
 */
package dev.tandem.trainer.metrics;

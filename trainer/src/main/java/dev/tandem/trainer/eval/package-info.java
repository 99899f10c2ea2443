/**
 * Offline evaluation of a model on a split of its prepared dataset: retrieval metrics over the full catalogue
 * ({@link dev.tandem.trainer.eval.RetrievalMetrics}: Recall, NDCG and HitRate at K, for warm and cold users) and
 * ranking metrics ({@link dev.tandem.trainer.eval.RankingMetrics}: AUC, log loss, calibration), a model's scores
 * ({@link dev.tandem.trainer.eval.ModelEvaluator}), and {@code tandem evaluate}: a run's checkpoint beside its baseline
 * ({@link dev.tandem.trainer.eval.Evaluation}). The {@code eval} section of a job is
 * {@link dev.tandem.trainer.eval.EvalConfig}; results are the records of {@code dev.tandem.trainer.metrics}.
 *
 * <p>Must not import: {@code dev.tandem.trainer.tune}, {@code dev.tandem.ps}, {@code dev.tandem.serving},
 * {@code dev.tandem.cli}, {@code org.apache.spark}. Of the train package it uses only the run directory a checkpoint is read
 * from: evaluation never trains.
 */
package dev.tandem.trainer.eval;

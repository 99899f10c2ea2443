package dev.tandem.trainer.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** A trainable Tandem model: a DL4J ComputationGraph plus the knowledge of how to feed it. */
public sealed interface RecommenderModel permits TwoTowerModel, RankingModel {
  ModelSpec spec();

  ComputationGraph graph();

  /**
   * The training minibatch made of examples {@code idx} of {@code data}; {@code stepSeed} seeds what is random in
   * it (feature dropout), so a resumed run builds the very same batches.
   */
  MultiDataSet batch(Examples data, int[] idx, long stepSeed);

  /** The examples this model trains on, from a split's events (retrieval keeps positives only). */
  Examples trainingExamples(Examples split);

  /** Rebuilds the model around a restored graph (checkpoint). */
  static RecommenderModel wrap(ModelSpec spec, ComputationGraph graph, float[] itemLogq) {
    return spec.isTwoTower() ? new TwoTowerModel(spec, graph, itemLogq) : new RankingModel(spec, graph);
  }
}

package dev.tandem.trainer.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A trainable Tandem model: a DL4J ComputationGraph plus the knowledge of how to feed it. The model owns its graph;
 * whoever created the model (a training loop, an evaluation, an export) owns the model. Not thread-safe: one thread
 * trains or scores it at a time.
 */
public sealed interface RecommenderModel permits TwoTowerModel, RankingModel {
  /** The layout of the model over its dataset's features (what a checkpoint stores beside the graph). */
  ModelSpec spec();

  /** The graph itself, trained in place; not a copy. */
  ComputationGraph graph();

  /**
   * The training minibatch made of examples {@code idx} of {@code data}; {@code stepSeed} seeds what is random in
   * it (feature dropout), so a resumed run builds the very same batches. The arrays are new: the caller owns them.
   */
  MultiDataSet batch(Examples data, int[] idx, long stepSeed);

  /**
   * The model's embedding tables when they live beside the graph (owned by the model), or null when they are part of
   * the graph.
   */
  SparseEmbeddings sparse();

  /** The examples this model trains on, from a split's events (retrieval keeps positives only). */
  Examples trainingExamples(Examples split);

  /**
   * Rebuilds the model around a restored graph (checkpoint), which it then owns.
   *
   * @param itemLogq the log sampling probability of each item (two-tower training's logQ correction), or null for
   *                 inference
   */
  static RecommenderModel wrap(ModelSpec spec, ComputationGraph graph, float[] itemLogq) {
    return wrap(spec, graph, itemLogq, null);
  }

  /** As {@link #wrap(ModelSpec, ComputationGraph, float[])}, with the tables beside the graph ({@code sparse}, owned from now on). */
  static RecommenderModel wrap(ModelSpec spec, ComputationGraph graph, float[] itemLogq, SparseEmbeddings sparse) {
    return spec.isTwoTower() ? new TwoTowerModel(spec, graph, itemLogq, sparse) : new RankingModel(spec, graph, sparse);
  }
}

package dev.tandem.trainer.checkpoint;

import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.SparseEmbeddings;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A checkpoint read back and verified: the model with its updater state and iteration counts, the training state,
 * the model spec, the feature transform, the resolved job configuration and the provenance.
 *
 * <p>A model whose embedding tables live beside the network also has {@code sparse}. Saved, {@code graph} and
 * {@code spec} are then the training graph and spec, and {@code sparse} holds the store. Loaded, {@code graph} and
 * {@code spec} are the model with its tables back inside the network (what evaluation and export read, so serving
 * sees the usual model), and {@code sparse} has what training continues from.
 *
 * @param sparse null when the tables are part of the graph
 */
public record Checkpoint(String id, ComputationGraph graph, TrainingState state, ModelSpec spec, FeatureTransform transform,
    String jobYaml, Provenance provenance, Sparse sparse) {

  /** A checkpoint of a model whose tables are part of its graph. */
  public Checkpoint(String id, ComputationGraph graph, TrainingState state, ModelSpec spec, FeatureTransform transform, String jobYaml,
      Provenance provenance) {
    this(id, graph, state, spec, transform, jobYaml, provenance, null);
  }

  /**
   * What training continues from when the tables live beside the network.
   *
   * @param trainingGraph the graph that takes looked-up rows as inputs, with its updater state
   * @param trainingSpec  its spec
   * @param embeddings    the tables with their optimizer state (owned by whoever holds the checkpoint); loaded from a
   *                      sharded store's checkpoint, every shard's rows in one in-process store
   * @param parts         a sharded store's parts (full parts, then delta parts), for shards to restore from; null for
   *                      an in-process store
   */
  public record Sparse(ComputationGraph trainingGraph, ModelSpec trainingSpec, SparseEmbeddings embeddings,
      List<ShardedStore.PartFile> parts) {

    /** What training continues from when the tables live in this process. */
    public Sparse(ComputationGraph trainingGraph, ModelSpec trainingSpec, SparseEmbeddings embeddings) {
      this(trainingGraph, trainingSpec, embeddings, null);
    }
  }
}

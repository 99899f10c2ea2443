package dev.tandem.trainer.checkpoint;

import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.trainer.model.ModelSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A checkpoint read back and verified: the model with its updater state and iteration counts, the training state,
 * the model spec, the feature transform, the resolved job configuration and the provenance.
 */
public record Checkpoint(String id, ComputationGraph graph, TrainingState state, ModelSpec spec, FeatureTransform transform,
    String jobYaml, Provenance provenance) {}

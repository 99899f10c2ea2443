package dev.tandem.trainer.model;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.EmbeddingLayerParamInitializer;

/** Parameters of an {@link EmbeddingTable}: the weight matrix only (DL4J's initialiser assumes a bias for unknown layers). */
public final class EmbeddingTableParams extends EmbeddingLayerParamInitializer {
  private static final EmbeddingTableParams INSTANCE = new EmbeddingTableParams();

  public static EmbeddingTableParams getInstance() {
    return INSTANCE;
  }

  @Override
  protected boolean hasBias(Layer layer) {
    return false;
  }
}

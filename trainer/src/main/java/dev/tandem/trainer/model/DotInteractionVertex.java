package dev.tandem.trainer.model;

import java.util.Map;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DLRM's feature interaction: the pairwise dot products of {@code m} feature vectors, concatenated with the dense
 * (bottom-MLP) vector. Inputs: {@code vectors} of shape {@code [mb, m, dim]} and {@code dense} of shape
 * {@code [mb, dim]}; the dense vector takes part in the interactions too. Output: {@code [mb, n(n-1)/2 + dim]} with
 * {@code n = m + 1}.
 */
public class DotInteractionVertex extends SameDiffVertex {
  private int vectors;
  private int dim;

  /** For JSON (DL4J clones vertices through JSON). */
  public DotInteractionVertex() {}

  public DotInteractionVertex(int vectors, int dim) {
    this.vectors = vectors;
    this.dim = dim;
  }

  private int n() {
    return vectors + 1;
  }

  /** Width of the output. */
  public int outputSize() {
    return n() * (n() - 1) / 2 + dim;
  }

  @Override
  public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params, Map<String, SDVariable> masks) {
    SDVariable emb = in.get("vectors");
    SDVariable dense = in.get("dense");
    SDVariable all = sd.concat(1, emb, dense.reshape(-1, 1, dim));                 // [mb, n, dim]
    SDVariable dots = sd.linalg().mmul(all, all, false, true, false);             // [mb, n, n]
    SDVariable flat = dots.reshape(-1, (long) n() * n());
    // the upper triangle, selected by a constant 0/1 matrix (a matmul differentiates where gather's backward fails)
    int pairsCount = n() * (n() - 1) / 2;
    float[] select = new float[n() * n() * pairsCount];
    int pair = 0;
    for (int i = 0; i < n(); i++) {
      for (int j = i + 1; j < n(); j++) {
        select[(i * n() + j) * pairsCount + pair] = 1f;
        pair++;
      }
    }
    SDVariable selection = sd.constant("upper_triangle", Nd4j.create(select, new long[] {(long) n() * n(), pairsCount}, 'c'));
    SDVariable pairs = flat.mmul(selection);                                      // [mb, n(n-1)/2]
    return sd.concat(1, pairs, dense);
  }

  @Override
  public void defineParametersAndInputs(SDVertexParams params) {
    params.defineInputs("vectors", "dense");
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    // no parameters
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(outputSize());
  }

  @Override
  public GraphVertex clone() {
    return new DotInteractionVertex(vectors, dim);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DotInteractionVertex other && other.vectors == vectors && other.dim == dim;
  }

  @Override
  public int hashCode() {
    return 31 * vectors + dim;
  }

  public int getVectors() {
    return vectors;
  }

  public void setVectors(int vectors) {
    this.vectors = vectors;
  }

  public int getDim() {
    return dim;
  }

  public void setDim(int dim) {
    this.dim = dim;
  }
}

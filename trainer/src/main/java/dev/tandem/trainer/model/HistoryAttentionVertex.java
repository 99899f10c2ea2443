package dev.tandem.trainer.model;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Candidate-aware attention over a user's history (the idea of DIN, Zhou et al., KDD 2018): the user's earlier items
 * are pooled with weights that depend on the item being ranked, so a history of westerns speaks loudly for a western
 * and little for a cartoon. The weights are a softmax over the history of the scaled dot products between each
 * history item's embedding and the candidate's, looked up in one shared item table, so similarity learnt from any
 * event counts for every user. (DIN scores each pair with a small MLP; the dot product keeps the vertex free of
 * parameters and cheap, and the cross layers after it learn the interactions.)
 *
 * <p>Inputs: {@code [mb, 1 + L, dim]}, the embeddings of the candidate (slot 0) and of up to {@code L} history items,
 * and {@code [mb, L]}, 1 where a history slot holds an item and 0 where it is empty. Output: {@code [mb, 2 * dim]}, the
 * attention-pooled history followed by the candidate's embedding; a user without history gets a zero history vector.
 * Forward and backward are computed in Java ({@link HistoryAttention}): a SameDiff version of the same vertex crashed
 * in native code during the backward pass with multi-output (ordinal) ranking models in DL4J 1.0.0-M2.1.
 */
public class HistoryAttentionVertex extends GraphVertex {
  private int length;
  private int dim;

  /** For JSON (DL4J clones vertices through JSON). */
  public HistoryAttentionVertex() {}

  /**
   * @param length history slots L
   * @param dim    embedding width
   */
  public HistoryAttentionVertex(int length, int dim) {
    this.length = length;
    this.dim = dim;
  }

  /** Width of the output: the pooled history and the candidate. */
  public int outputSize() {
    return 2 * dim;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
      boolean initializeParams, DataType networkDatatype) {
    return new HistoryAttention(graph, name, idx, length, dim, networkDatatype);
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(outputSize());
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    return new LayerMemoryReport.Builder(null, HistoryAttentionVertex.class, inputTypes[0], getOutputType(-1, inputTypes))
        .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
  }

  @Override
  public GraphVertex clone() {
    return new HistoryAttentionVertex(length, dim);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HistoryAttentionVertex other && other.length == length && other.dim == dim;
  }

  @Override
  public int hashCode() {
    return 31 * length + dim;
  }

  public int getLength() {
    return length;
  }

  public void setLength(int length) {
    this.length = length;
  }

  public int getDim() {
    return dim;
  }

  public void setDim(int dim) {
    this.dim = dim;
  }
}

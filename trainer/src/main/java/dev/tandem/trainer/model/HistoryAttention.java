package dev.tandem.trainer.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime side of {@link HistoryAttentionVertex}. With {@code c} the candidate, {@code h_k} the present history
 * items, {@code s_k = h_k·c / sqrt(dim)}, {@code a = softmax(s)} and output {@code [Σ a_k h_k, c]}, the backward pass
 * is {@code dL/ds_k = a_k (g·h_k − Σ_j a_j g·h_j)} for the pooled part's gradient {@code g}, then
 * {@code dL/dh_k = a_k g + dL/ds_k c / sqrt(dim)} and {@code dL/dc = Σ_k dL/ds_k h_k / sqrt(dim)} plus the candidate
 * part's own gradient.
 */
final class HistoryAttention extends BaseGraphVertex {
  private final int length;
  private final int dim;
  private final float scale;
  private float[] emb;
  private float[] present;
  private float[] weights;
  private int minibatch;

  HistoryAttention(ComputationGraph graph, String name, int index, int length, int dim, DataType dataType) {
    super(graph, name, index, null, null, dataType);
    this.length = length;
    this.dim = dim;
    this.scale = (float) (1.0 / Math.sqrt(dim));
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  private static float[] floats(INDArray a) {
    INDArray c = a.ordering() == 'c' && !a.isView() && a.offset() == 0 ? a : a.dup('c');
    float[] out = new float[(int) c.length()];
    if (c.dataType() == DataType.FLOAT) {
      c.data().asNioFloat().get(out);
    } else {
      double[] d = c.data().asDouble();
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) d[i];
      }
    }
    return out;
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException("history attention " + vertexName + ": inputs not set");
    }
    INDArray e = inputs[0];
    INDArray m = inputs[1];
    if (e.rank() != 3 || e.size(1) != length + 1 || e.size(2) != dim || m.rank() != 2 || m.size(1) != length || m.size(0) != e.size(0)) {
      throw new IllegalArgumentException("history attention " + vertexName + " expects [mb, " + (length + 1) + ", " + dim + "] and [mb, "
          + length + "], got " + java.util.Arrays.toString(e.shape()) + " and " + java.util.Arrays.toString(m.shape()));
    }
    minibatch = (int) e.size(0);
    emb = floats(e);
    present = floats(m);
    weights = new float[minibatch * length];
    int slots = length + 1;
    float[] out = new float[minibatch * 2 * dim];
    for (int b = 0; b < minibatch; b++) {
      int c = b * slots * dim;
      float max = Float.NEGATIVE_INFINITY;
      for (int k = 0; k < length; k++) {
        if (present[b * length + k] > 0) {
          int h = c + (k + 1) * dim;
          float s = 0;
          for (int d = 0; d < dim; d++) {
            s += emb[h + d] * emb[c + d];
          }
          s *= scale;
          weights[b * length + k] = s;
          max = Math.max(max, s);
        }
      }
      float sum = 0;
      for (int k = 0; k < length; k++) {
        if (present[b * length + k] > 0) {
          float w = (float) Math.exp(weights[b * length + k] - max);
          weights[b * length + k] = w;
          sum += w;
        } else {
          weights[b * length + k] = 0;
        }
      }
      int o = b * 2 * dim;
      for (int k = 0; k < length; k++) {
        float a = sum > 0 ? weights[b * length + k] / sum : 0f;
        weights[b * length + k] = a;
        if (a != 0) {
          int h = c + (k + 1) * dim;
          for (int d = 0; d < dim; d++) {
            out[o + d] += a * emb[h + d];
          }
        }
      }
      System.arraycopy(emb, c, out, o + dim, dim);
    }
    try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
      return Nd4j.create(out, new long[] {minibatch, 2L * dim}, 'c').castTo(dataType);
    }
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException("history attention " + vertexName + ": epsilon not set");
    }
    if (emb == null || minibatch != inputs[0].size(0)) {
      doForward(true, workspaceMgr);
    }
    float[] g = floats(epsilon);
    int slots = length + 1;
    float[] dEmb = new float[emb.length];
    for (int b = 0; b < minibatch; b++) {
      int c = b * slots * dim;
      int o = b * 2 * dim;
      float[] gh = new float[length];
      float mean = 0;
      for (int k = 0; k < length; k++) {
        float a = weights[b * length + k];
        if (a != 0) {
          int h = c + (k + 1) * dim;
          float dot = 0;
          for (int d = 0; d < dim; d++) {
            dot += g[o + d] * emb[h + d];
          }
          gh[k] = dot;
          mean += a * dot;
        }
      }
      for (int d = 0; d < dim; d++) {
        dEmb[c + d] = g[o + dim + d];
      }
      for (int k = 0; k < length; k++) {
        float a = weights[b * length + k];
        if (a == 0) {
          continue;
        }
        float ds = a * (gh[k] - mean) * scale;
        int h = c + (k + 1) * dim;
        for (int d = 0; d < dim; d++) {
          dEmb[h + d] += a * g[o + d] + ds * emb[c + d];
          dEmb[c + d] += ds * emb[h + d];
        }
      }
    }
    try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
      INDArray de = Nd4j.create(dEmb, new long[] {minibatch, slots, dim}, 'c').castTo(dataType);
      INDArray dm = Nd4j.zeros(dataType, minibatch, length);
      return new Pair<>(null, new INDArray[] {de, dm});
    }
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    if (backpropGradientsViewArray != null) {
      throw new IllegalStateException("history attention " + vertexName + " has no parameters");
    }
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[0], currentMaskState);
  }

  @Override
  public String toString() {
    return "HistoryAttention(" + vertexName + ", length=" + length + ", dim=" + dim + ")";
  }
}

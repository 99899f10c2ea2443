package dev.tandem.trainer.embedding;

import dev.tandem.config.ConfigEnum;

/**
 * An optimizer that updates one embedding row at a time from that row's gradient and its own state, so a step touches
 * only the rows of its batch. The update rules are DL4J's (its native updater ops), so a row that is in every batch
 * moves exactly as it would inside the network.
 */
public sealed interface RowOptimizer {

  /** The optimizers a store offers, as {@code model.embeddings.optimizer} spells them. */
  enum Kind implements ConfigEnum {
    SGD, ADAGRAD, ROWWISE_ADAGRAD, LAZY_ADAM
  }

  /** The optimizer of a kind with DL4J's default hyperparameters (AdaGrad's epsilon as Tandem's graphs set it). */
  static RowOptimizer of(Kind kind) {
    return switch (kind) {
      case SGD -> new Sgd();
      case ADAGRAD -> new AdaGrad(1e-6);
      case ROWWISE_ADAGRAD -> new RowwiseAdaGrad(1e-6);
      case LAZY_ADAM -> new LazyAdam(0.9, 0.999, 1e-8);
    };
  }

  /** This optimizer's kind. */
  Kind kind();

  /** Floats of state per row of width {@code dim}. */
  int stateFloats(int dim);

  /** Initialises a new row's state at {@code s[off..off + stateFloats)}. */
  void init(float[] s, int off, int dim);

  /**
   * Updates row {@code w[wOff..wOff + dim)} with its state at {@code s[sOff..)} and its gradient {@code g[gOff..)} at
   * global step {@code step} (0-based: the iteration count before this update, as DL4J counts it).
   */
  void apply(float[] w, int wOff, float[] s, int sOff, float[] g, int gOff, int dim, long step, double learningRate);

  /** {@code w -= lr * g}; no state. */
  record Sgd() implements RowOptimizer {
    @Override
    public Kind kind() {
      return Kind.SGD;
    }

    @Override
    public int stateFloats(int dim) {
      return 0;
    }

    @Override
    public void init(float[] s, int off, int dim) {
      // none
    }

    @Override
    public void apply(float[] w, int wOff, float[] s, int sOff, float[] g, int gOff, int dim, long step, double learningRate) {
      float lr = (float) learningRate;
      for (int k = 0; k < dim; k++) {
        w[wOff + k] -= lr * g[gOff + k];
      }
    }
  }

  /**
   * AdaGrad as DL4J applies it: {@code h += g²; w -= lr * g / (sqrt(h) + eps)}, with {@code h} starting at
   * {@code eps}. One accumulator per element: {@code dim} floats of state.
   */
  record AdaGrad(double epsilon) implements RowOptimizer {
    @Override
    public Kind kind() {
      return Kind.ADAGRAD;
    }

    @Override
    public int stateFloats(int dim) {
      return dim;
    }

    @Override
    public void init(float[] s, int off, int dim) {
      java.util.Arrays.fill(s, off, off + dim, (float) epsilon);
    }

    @Override
    public void apply(float[] w, int wOff, float[] s, int sOff, float[] g, int gOff, int dim, long step, double learningRate) {
      float lr = (float) learningRate;
      float eps = (float) epsilon;
      for (int k = 0; k < dim; k++) {
        float gk = g[gOff + k];
        float h = s[sOff + k] + gk * gk;
        s[sOff + k] = h;
        w[wOff + k] -= lr * gk / ((float) Math.sqrt(h) + eps);
      }
    }
  }

  /**
   * Row-wise AdaGrad (TorchRec's RowWiseAdagrad, FBGEMM's rowwise Adagrad): one accumulator per row, fed the mean of
   * the row's squared gradient: {@code h += mean(g²); w -= lr * g / (sqrt(h) + eps)}. One float of state per row
   * instead of {@code dim}; every element of a row shares its adaptive rate.
   */
  record RowwiseAdaGrad(double epsilon) implements RowOptimizer {
    @Override
    public Kind kind() {
      return Kind.ROWWISE_ADAGRAD;
    }

    @Override
    public int stateFloats(int dim) {
      return 1;
    }

    @Override
    public void init(float[] s, int off, int dim) {
      s[off] = (float) epsilon;
    }

    @Override
    public void apply(float[] w, int wOff, float[] s, int sOff, float[] g, int gOff, int dim, long step, double learningRate) {
      float sum = 0;
      for (int k = 0; k < dim; k++) {
        sum += g[gOff + k] * g[gOff + k];
      }
      float h = s[sOff] + sum / dim;
      s[sOff] = h;
      float rate = (float) learningRate / ((float) Math.sqrt(h) + (float) epsilon);
      for (int k = 0; k < dim; k++) {
        w[wOff + k] -= rate * g[gOff + k];
      }
    }
  }

  /**
   * Lazy Adam (TensorFlow's LazyAdamOptimizer): Adam's update, with its first and second moments ({@code 2 * dim}
   * floats of state), applied only to the rows a step touches. The difference from dense Adam: dense Adam decays the
   * moments of every row at every step, so a row absent from a batch still moves (its momentum carries it) and its
   * moments shrink; here an absent row and its moments stay exactly as they are until its id comes back. The bias
   * correction uses the global step, as dense Adam (and DL4J) does, so a row present in every batch moves exactly as
   * dense Adam would move it: {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
   * w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)} with {@code t = step + 1}.
   */
  record LazyAdam(double beta1, double beta2, double epsilon) implements RowOptimizer {
    @Override
    public Kind kind() {
      return Kind.LAZY_ADAM;
    }

    @Override
    public int stateFloats(int dim) {
      return 2 * dim;
    }

    @Override
    public void init(float[] s, int off, int dim) {
      java.util.Arrays.fill(s, off, off + 2 * dim, 0f);
    }

    @Override
    public void apply(float[] w, int wOff, float[] s, int sOff, float[] g, int gOff, int dim, long step, double learningRate) {
      double t = step + 1;
      double corrected = learningRate * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
      float alpha = Double.isFinite(corrected) && corrected != 0 ? (float) corrected : (float) epsilon;
      float b1 = (float) beta1;
      float b2 = (float) beta2;
      float eps = (float) epsilon;
      for (int k = 0; k < dim; k++) {
        float gk = g[gOff + k];
        float m = b1 * s[sOff + k] + gk * (1 - b1);
        float v = b2 * s[sOff + dim + k] + gk * gk * (1 - b2);
        s[sOff + k] = m;
        s[sOff + dim + k] = v;
        w[wOff + k] -= m * alpha / ((float) Math.sqrt(v) + eps);
      }
    }
  }
}

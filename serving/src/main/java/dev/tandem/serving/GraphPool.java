package dev.tandem.serving;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Copies of a DL4J graph for concurrent inference. {@code ComputationGraph.output} is synchronized, so threads sharing
 * one graph would queue; each thread borrows an idle copy instead, made on first need (at most one per concurrent
 * caller).
 *
 * <p>The pool owns the copies it makes and frees their native memory on {@link #close()}: idle copies at once, borrowed
 * ones when they come back, so no thread ever computes with a freed graph. The prototype belongs to whoever passed it
 * (the {@link dev.tandem.serving.bundle.ServingBundle}) and is never freed here.
 */
final class GraphPool implements AutoCloseable {
  private final ComputationGraph prototype;
  private final ConcurrentLinkedDeque<ComputationGraph> idle = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;

  GraphPool(ComputationGraph graph) {
    this.prototype = graph;
    idle.push(graph);
  }

  /** Runs {@code use} with a graph of its own; throws {@link IllegalStateException} once the pool is closed. */
  <T> T with(Function<ComputationGraph, T> use) {
    if (closed) {
      throw new IllegalStateException("the recommender is closed");
    }
    ComputationGraph g = idle.poll();
    if (g == null) {
      synchronized (this) {
        g = prototype.clone();
      }
    }
    try {
      return use.apply(g);
    } finally {
      giveBack(g);
    }
  }

  private void giveBack(ComputationGraph g) {
    idle.push(g);
    // a close() that ran while g was borrowed has already emptied the pool: free g here instead
    if (closed && idle.remove(g)) {
      free(g);
    }
  }

  /** The graphs idle now (the prototype among them until it is first borrowed), for tests. */
  List<ComputationGraph> idleGraphs() {
    return List.copyOf(idle);
  }

  /** Frees every copy (borrowed ones when they come back); harmless when called again. */
  @Override
  public void close() {
    closed = true;
    for (ComputationGraph g = idle.poll(); g != null; g = idle.poll()) {
      free(g);
    }
  }

  /**
   * Frees a copy's parameters, gradients and updater state. Not {@code ComputationGraph.close()}: that also runs
   * {@code System.gc()}, once per copy.
   */
  private void free(ComputationGraph g) {
    if (g == prototype) {
      return;
    }
    close(g.params());
    close(g.getFlattenedGradients());
    if (g.getUpdater(false) != null) {
      close(g.getUpdater(false).getStateViewArray());
    }
  }

  private static void close(INDArray a) {
    if (a != null && a.closeable() && !a.wasClosed()) {
      a.close();
    }
  }

  /** Whether {@code g}'s memory has been freed, for tests. */
  static boolean freed(ComputationGraph g) {
    return g.params().wasClosed();
  }
}

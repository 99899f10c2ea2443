package dev.tandem.serving;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Copies of a DL4J graph for concurrent inference. {@code ComputationGraph.output} is synchronized, so threads sharing
 * one graph would queue; each thread borrows an idle copy instead, made on first need (at most one per concurrent
 * caller).
 */
final class GraphPool {
  private final ComputationGraph prototype;
  private final ConcurrentLinkedDeque<ComputationGraph> idle = new ConcurrentLinkedDeque<>();

  GraphPool(ComputationGraph graph) {
    this.prototype = graph;
    idle.push(graph);
  }

  <T> T with(Function<ComputationGraph, T> use) {
    ComputationGraph g = idle.poll();
    if (g == null) {
      synchronized (this) {
        g = prototype.clone();
      }
    }
    try {
      return use.apply(g);
    } finally {
      idle.push(g);
    }
  }
}

package dev.tandem.ps.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * What an executor runs for one epoch: the partition function DL4J's training master consumes. It turns the worker
 * indices of its partition into those workers' minibatches ({@link ShardBatches}), within this executor's
 * gradient-sharing session ({@link ExecutorSession}: joined, parameters synced and updates accepted before the first
 * batch, the schedule followed per batch). Runs first in the partition's pipeline, before DL4J's training function.
 */
final class ExecutorEpoch implements FlatMapFunction<Iterator<Integer>, MultiDataSet> {
  private static final long serialVersionUID = 1L;

  private final ShardBatches batches;
  private final ExecutorSession.Plan session;

  ExecutorEpoch(ShardBatches batches, ExecutorSession.Plan session) {
    this.batches = batches;
    this.session = session;
  }

  @Override
  public Iterator<MultiDataSet> call(Iterator<Integer> workerIds) throws Exception {
    ExecutorSession.Fit fit = ExecutorSession.get().begin(session);
    List<Iterator<MultiDataSet>> parts = new ArrayList<>();
    while (workerIds.hasNext()) {
      int w = workerIds.next();
      parts.add(fit.follow(w, batches.forWorker(w)));
    }
    return concat(parts);
  }

  /** The parts one after another, lazily: batches are built as training consumes them. */
  private static Iterator<MultiDataSet> concat(List<Iterator<MultiDataSet>> parts) {
    return new Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        while (i < parts.size() && !parts.get(i).hasNext()) {
          i++;
        }
        return i < parts.size();
      }

      @Override
      public MultiDataSet next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return parts.get(i).next();
      }
    };
  }
}

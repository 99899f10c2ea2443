package dev.tandem.trainer.train;

import dev.tandem.progress.Progress;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RecommenderModel;
import java.util.Arrays;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * The minibatches of steps {@code [first, last)} of an epoch, in the epoch's order, as a DL4J iterator: how the
 * data-parallel path (ParallelWrapper) is fed the very batches the serial loop would use.
 */
final class EpochBatches implements MultiDataSetIterator {
  private static final long serialVersionUID = 1L;
  private final transient RecommenderModel model;
  private final transient Examples data;
  private final int[] order;
  private final int batch;
  private final int last;
  private final long seed;
  private final long firstGlobalStep;
  private final int first;
  private final transient Progress.Task task;
  private int step;

  EpochBatches(RecommenderModel model, Examples data, int[] order, int batch, int first, int last, long seed, long firstGlobalStep,
      Progress.Task task) {
    this.model = model;
    this.data = data;
    this.order = order;
    this.batch = batch;
    this.first = first;
    this.step = first;
    this.last = last;
    this.seed = seed;
    this.firstGlobalStep = firstGlobalStep;
    this.task = task;
  }

  /** Steps handed out so far. */
  int served() {
    return step - first;
  }

  @Override
  public synchronized boolean hasNext() {
    return step < last;
  }

  @Override
  public synchronized MultiDataSet next() {
    int lo = step * batch;
    int hi = Math.min(order.length, lo + batch);
    int[] idx = Arrays.copyOfRange(order, lo, hi);
    long global = firstGlobalStep + (step - first);
    step++;
    if (task != null) {
      task.advance(idx.length);
    }
    return model.batch(data, idx, seed * 1_000_003L + global);
  }

  @Override
  public MultiDataSet next(int num) {
    return next();
  }

  @Override
  public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
    throw new UnsupportedOperationException("no preprocessing: batches are built encoded");
  }

  @Override
  public MultiDataSetPreProcessor getPreProcessor() {
    return null;
  }

  @Override
  public boolean resetSupported() {
    return false;
  }

  @Override
  public boolean asyncSupported() {
    return true;
  }

  @Override
  public void reset() {
    throw new UnsupportedOperationException("an epoch's batches are consumed once");
  }
}

package dev.tandem.trainer.train;

import dev.tandem.progress.Progress;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.SparseEmbeddings;
import java.util.Arrays;
import java.util.function.LongConsumer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One step at a time on this thread: exactly reproducible. Each step reseeds ND4J's RNG and the batch's feature
 * dropout from (seed, global step), so the run is a pure function of the data order and a resumed run repeats it.
 */
public final class SerialEpochs implements EpochRunner {
  private final int checkpointEvery;
  private final LongConsumer beforeStep;

  public SerialEpochs(int checkpointEvery) {
    this(checkpointEvery, step -> { });
  }

  /** @param beforeStep called with the global step number before each step (tests use it to simulate a crash) */
  public SerialEpochs(int checkpointEvery, LongConsumer beforeStep) {
    this.checkpointEvery = checkpointEvery;
    this.beforeStep = beforeStep;
  }

  /** One step on the current thread; returns the minibatch's mean loss. */
  public static double step(RecommenderModel model, Examples data, int[] idx, long globalStep, long seed) {
    long stepSeed = seed * 1_000_003L + globalStep;
    Nd4j.getRandom().setSeed(stepSeed);
    org.nd4j.linalg.dataset.api.MultiDataSet batch = model.batch(data, idx, stepSeed);
    SparseEmbeddings sparse = model.sparse();
    if (sparse == null) {
      model.graph().fit(batch);
    } else {
      // the tables beside the network: pull the batch's rows, fit, push their gradients back
      model.graph().fit(sparse.pull(batch, globalStep));
      sparse.push(model.graph(), globalStep);
    }
    return model.graph().score();
  }

  @Override
  public Done run(RecommenderModel model, Examples data, Epoch e, Progress.Task task, Checkpointer checkpointer) {
    TrainingState s = e.start();
    double lossSum = s.epochLossSum();
    long lossSteps = s.epochLossSteps();
    long examples = 0;
    long global = s.globalStep();
    for (int step = e.firstStep(); step < e.steps(); step++) {
      int lo = step * e.batch();
      int[] idx = Arrays.copyOfRange(e.order(), lo, Math.min(e.order().length, lo + e.batch()));
      beforeStep.accept(global);
      double loss = step(model, data, idx, global, e.seed());
      TrainingLoop.checkFinite(loss, e.epoch(), step);
      lossSum += loss;
      lossSteps++;
      examples += idx.length;
      global++;
      task.advance(idx.length);
      task.status(String.format("loss %.4f", lossSum / lossSteps));
      if (checkpointEvery > 0 && global % checkpointEvery == 0 && step + 1 < e.steps()) {
        checkpointer.save(new TrainingState(e.epoch(), step + 1, global, e.seed(), s.bestMetric(), s.bestCheckpoint(),
            s.epochsWithoutImprovement(), false, null, s.history(), lossSum, lossSteps));
      }
    }
    return new Done(lossSteps - s.epochLossSteps(), examples, lossSum - s.epochLossSum());
  }

  @Override
  public boolean checkpointsWithinEpochs() {
    return true;
  }
}

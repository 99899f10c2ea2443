package dev.tandem.ps;

import java.io.Serializable;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A training listener shipped to every executor with the model: it feeds that JVM's {@link TrafficMeter} of the run
 * (timing of gradient computation versus update/encode/apply, and counters), creating it on first use, and does
 * nothing else. Serializable by design: Spark sends it to the executors.
 */
public final class TrafficRecorder extends BaseTrainingListener implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String dir;
  private final long numParams;

  /** @param dir where executors write their traffic files (the run's traffic/ folder, any Hadoop URI) */
  public TrafficRecorder(String dir, long numParams) {
    this.dir = dir;
    this.numParams = numParams;
  }

  private TrafficMeter meter() {
    String id = NodePorts.executorId();
    return TrafficMeter.forExecutor(id == null || id.equals("driver") ? "driver" : "executor-" + id, dir, numParams);
  }

  @Override
  public void onGradientCalculation(Model model) {
    meter().onGradient();
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    String detail = "";
    if (model instanceof ComputationGraph g && g.getLayers().length > 0) {
      IUpdater u = g.getLayers()[0].conf().getLayer().getUpdaterByParam("W");
      detail = "model iteration " + iteration + ", epoch " + epoch + (u != null && u.hasLearningRate() ? ", lr " + u.getLearningRate(iteration, epoch) : "");
    }
    meter().onIterationDone(model.score(), detail);
  }
}

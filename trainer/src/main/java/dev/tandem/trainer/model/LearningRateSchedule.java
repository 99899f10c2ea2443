package dev.tandem.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Linear warm-up to the peak learning rate, then an optional decay (cosine, linear or exponential) towards
 * {@code peak * minFactor} at {@code totalSteps}. A function of the iteration count only, so a resumed run follows the
 * same schedule as an uninterrupted one.
 */
public class LearningRateSchedule implements ISchedule {
  @JsonProperty
  private double peak;
  @JsonProperty
  private int warmupSteps;
  @JsonProperty
  private int totalSteps;
  @JsonProperty
  private String decay;
  @JsonProperty
  private double minFactor;
  /** When set, the rate for now, pinned by a distributed worker that follows the run's global step (see pin). */
  @JsonProperty
  private Double pinned;

  public LearningRateSchedule() {}

  public LearningRateSchedule(double peak, int warmupSteps, int totalSteps, String decay, double minFactor) {
    this.peak = peak;
    this.warmupSteps = warmupSteps;
    this.totalSteps = Math.max(totalSteps, warmupSteps + 1);
    this.decay = decay;
    this.minFactor = minFactor;
  }

  /**
   * Pins the rate: distributed workers (DL4J's shared training) do not keep a usable iteration count, so each worker
   * evaluates the schedule at the global step of the batch it trains next and pins it; {@code null} unpins.
   */
  public void pin(Double rate) {
    this.pinned = rate;
  }

  @Override
  public double valueAt(int iteration, int epoch) {
    if (pinned != null) {
      return pinned;
    }
    if (iteration < warmupSteps) {
      return peak * (iteration + 1) / warmupSteps;
    }
    double progress = Math.min(1.0, (iteration - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps));
    double factor = switch (decay) {
      case "cosine" -> 0.5 * (1 + Math.cos(Math.PI * progress));
      case "linear" -> 1 - progress;
      case "exponential" -> Math.pow(Math.max(minFactor, 1e-3), progress);
      default -> 1.0;
    };
    return peak * (minFactor + (1 - minFactor) * factor);
  }

  /**
   * Value equality matters: DL4J groups layers whose updater configurations are equal into one updater block, and a
   * model rebuilt from JSON (a ParallelWrapper or Spark replica) must group them exactly as the original did, or the
   * updater state copied between them is misaligned (Adam's second moments then turn negative and training goes NaN).
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof LearningRateSchedule other && other.peak == peak && other.warmupSteps == warmupSteps
        && other.totalSteps == totalSteps && Objects.equals(other.decay, decay) && other.minFactor == minFactor
        && Objects.equals(other.pinned, pinned);
  }

  @Override
  public int hashCode() {
    return Objects.hash(peak, warmupSteps, totalSteps, decay, minFactor, pinned);
  }

  @Override
  public ISchedule clone() {
    LearningRateSchedule copy = new LearningRateSchedule(peak, warmupSteps, totalSteps, decay, minFactor);
    copy.pinned = pinned;
    return copy;
  }

  /**
   * Pins (or, with null, unpins) the rate of every layer of a graph whose updater follows a LearningRateSchedule, and
   * returns the schedule's value at {@code step} (the rate pinned), or NaN if the graph has no such schedule.
   */
  public static double pinAll(ComputationGraph graph, long step, boolean pin) {
    double value = Double.NaN;
    for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
      org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
      if (conf instanceof BaseLayer base && base.getIUpdater() != null) {
        for (ISchedule schedule : schedules(base.getIUpdater())) {
          if (schedule instanceof LearningRateSchedule lrs) {
            lrs.pin(null);
            value = lrs.valueAt((int) Math.min(Integer.MAX_VALUE, step), 0);
            lrs.pin(pin ? value : null);
          }
        }
      }
    }
    return value;
  }

  private static List<ISchedule> schedules(IUpdater updater) {
    List<ISchedule> out = new ArrayList<>();
    if (updater instanceof Adam adam && adam.getLearningRateSchedule() != null) {
      out.add(adam.getLearningRateSchedule());
    } else if (updater instanceof Sgd sgd && sgd.getLearningRateSchedule() != null) {
      out.add(sgd.getLearningRateSchedule());
    } else if (updater instanceof AdaGrad adaGrad && adaGrad.getLearningRateSchedule() != null) {
      out.add(adaGrad.getLearningRateSchedule());
    }
    return out;
  }
}

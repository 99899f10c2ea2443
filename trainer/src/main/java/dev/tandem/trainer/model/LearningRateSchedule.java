package dev.tandem.trainer.model;

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

  public LearningRateSchedule() {}

  public LearningRateSchedule(double peak, int warmupSteps, int totalSteps, String decay, double minFactor) {
    this.peak = peak;
    this.warmupSteps = warmupSteps;
    this.totalSteps = Math.max(totalSteps, warmupSteps + 1);
    this.decay = decay;
    this.minFactor = minFactor;
  }

  @Override
  public double valueAt(int iteration, int epoch) {
    if (iteration < warmupSteps) {
      return peak * (iteration + 1) / warmupSteps;
    }
    double t = Math.min(1.0, (iteration - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps));
    double f = switch (decay) {
      case "cosine" -> 0.5 * (1 + Math.cos(Math.PI * t));
      case "linear" -> 1 - t;
      case "exponential" -> Math.pow(Math.max(minFactor, 1e-3), t);
      default -> 1.0;
    };
    return peak * (minFactor + (1 - minFactor) * f);
  }

  /**
   * Value equality matters: DL4J groups layers whose updater configurations are equal into one updater block, and a
   * model rebuilt from JSON (a ParallelWrapper or Spark replica) must group them exactly as the original did, or the
   * updater state copied between them is misaligned (Adam's second moments then turn negative and training goes NaN).
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof LearningRateSchedule s && s.peak == peak && s.warmupSteps == warmupSteps && s.totalSteps == totalSteps
        && java.util.Objects.equals(s.decay, decay) && s.minFactor == minFactor;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(peak, warmupSteps, totalSteps, decay, minFactor);
  }

  @Override
  public ISchedule clone() {
    return new LearningRateSchedule(peak, warmupSteps, totalSteps, decay, minFactor);
  }
}

package dev.tandem.trainer.metrics;

/**
 * A bin of a ranking model's calibration table: the examples predicted in {@code [lo, hi)}, their mean prediction and
 * how often they were positive.
 */
public record CalibrationBin(double lo, double hi, long count, double meanPredicted, double observedRate) {}

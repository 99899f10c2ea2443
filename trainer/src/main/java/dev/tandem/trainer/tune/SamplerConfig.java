package dev.tandem.trainer.tune;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;

/**
 * How the parameters of trials are chosen (the {@code sampler} section of a sweep).
 *
 * @param type          grid (every combination, in a seeded random order), random, or tpe (tree-structured Parzen
 *                      estimator: after {@code startup_trials} random trials, samples where good trials were)
 * @param startupTrials tpe: random trials before the model is used (default 5)
 * @param candidates    tpe: candidates drawn from the good trials' density per trial (default 24)
 * @param gamma         tpe: the share of finished trials counted as good (default 0.25)
 */
public record SamplerConfig(Type type, Integer startupTrials, Integer candidates, Double gamma) {
  public SamplerConfig {
    type = Check.orDefault(type, Type.RANDOM);
    if (type != Type.TPE) {
      Check.that(startupTrials == null && candidates == null && gamma == null, "type",
          "startup_trials, candidates and gamma only apply to type: tpe");
    }
    startupTrials = Check.orDefault(startupTrials, 5);
    Check.positive(startupTrials, "startup_trials");
    candidates = Check.orDefault(candidates, 24);
    Check.positive(candidates, "candidates");
    gamma = Check.orDefault(gamma, 0.25);
    Check.that(gamma > 0 && gamma < 1, "gamma", "must be in (0, 1), was " + gamma);
  }

  /** The sampling methods. */
  public enum Type implements ConfigEnum {
    GRID, RANDOM, TPE
  }
}

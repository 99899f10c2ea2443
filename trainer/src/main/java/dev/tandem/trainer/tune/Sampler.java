package dev.tandem.trainer.tune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the parameters of the next trial. Deterministic: the result depends only on the sweep's seed, the trial's
 * index and the observations passed in, so a resumed sweep samples exactly what an uninterrupted one would have.
 */
public interface Sampler {

  /**
   * The parameters of trial number {@code index} (1-based), or empty when there is nothing left to try. The same index
   * and history give the same parameters, in any JVM. The map (job key to value, in the space's order) is read-only
   * for the caller: a grid sampler hands out its own.
   *
   * @param history the finished trials' parameters and objective values (a model-based sampler learns from them; a
   *                non-finite value counts as no observation); the caller's, only read
   */
  Optional<Map<String, JsonNode>> next(int index, List<Observation> history);

  /**
   * Whether the parameters of trial {@code index} can be known before any trial has finished (for --dry-run): then
   * {@link #next} with an empty history gives them.
   */
  default boolean knownInAdvance(int index) {
    return true;
  }

  /** A finished trial: its parameters and objective value (NaN when it has none). */
  record Observation(Map<String, JsonNode> params, double value) {}

  /**
   * The sampler a configuration asks for.
   *
   * @param seed     seeds every draw
   * @param maximize whether a higher objective is better (a model-based sampler needs to know which trials were good)
   * @throws ConfigException naming {@code space} when a grid would have more than a million combinations
   */
  static Sampler of(SamplerConfig cfg, SearchSpace space, long seed, boolean maximize) {
    return switch (cfg.type()) {
      case GRID -> {
        long size = space.gridSize();
        if (size > 1_000_000) {
          throw new ConfigException("space", "the grid has " + size + " combinations; use random or tpe sampling, or fewer points");
        }
        yield new GridSampler(space, seed);
      }
      case RANDOM -> new RandomSampler(space, seed);
      case TPE -> new TpeSampler(space, seed, maximize, cfg.startupTrials(), cfg.candidates(), cfg.gamma());
    };
  }

  /** A well-mixed seed for one trial (SplitMix64 finaliser), so neighbouring trials get unrelated random streams. */
  static long seedFor(long seed, int index, long salt) {
    long z = seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + salt;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

package dev.tandem.trainer.tune;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/** Independent uniform (log-uniform for log scales) draws; trial i's parameters depend only on (seed, i). */
public final class RandomSampler implements Sampler {
  private final SearchSpace space;
  private final long seed;

  /** Samples {@code space}; every trial's draws are seeded from {@code seed} and its index. */
  public RandomSampler(SearchSpace space, long seed) {
    this.space = space;
    this.seed = seed;
  }

  @Override
  public Optional<Map<String, JsonNode>> next(int index, List<Observation> history) {
    return Optional.of(space.sample(new SplittableRandom(Sampler.seedFor(seed, index, 0x5EED))));
  }
}

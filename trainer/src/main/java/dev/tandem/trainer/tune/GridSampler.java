package dev.tandem.trainer.tune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.Shuffle;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Every combination of the parameters' grid values, each exactly once. The combinations are visited in a seeded
 * random order, so a sweep whose budget ends before the grid does has still looked across every dimension instead of
 * at the first values of the last parameters.
 */
public final class GridSampler implements Sampler {
  private final List<Map<String, JsonNode>> grid;
  private final int[] order;

  /** Every combination of {@code space}'s grid values, visited in an order shuffled by {@code seed}. */
  public GridSampler(SearchSpace space, long seed) {
    this.grid = space.grid();
    this.order = Shuffle.permutation(grid.size(), new SplittableRandom(Sampler.seedFor(seed, 0, 0x6121D)));
  }

  /** How many trials the grid has. */
  public int size() {
    return grid.size();
  }

  @Override
  public Optional<Map<String, JsonNode>> next(int index, List<Observation> history) {
    return index >= 1 && index <= order.length ? Optional.of(grid.get(order[index - 1])) : Optional.empty();
  }
}

package dev.tandem.trainer.eval;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.config.Check;
import java.util.List;

/**
 * The {@code eval} section of a job.
 *
 * @param k               cut-offs for Recall@K, NDCG@K and HitRate@K (retrieval)
 * @param calibrationBins bins of the ranking calibration table
 */
public record EvalConfig(List<Integer> k, int calibrationBins) {
  /** Every key at its default: the eval section of a job that has none. */
  public static final EvalConfig DEFAULT = of(null, null);

  /** The eval section as a job writes it, with every key it leaves out (null) at its default (README lists them). */
  @JsonCreator
  public static EvalConfig of(@JsonProperty("k") List<Integer> k, @JsonProperty("calibration_bins") Integer calibrationBins) {
    return new EvalConfig(orDefault(k, List.of(10, 50, 100)), orDefault(calibrationBins, 10));
  }

  public EvalConfig {
    k = List.copyOf(Check.required(k, "k"));
    Check.that(!k.isEmpty(), "k", "must list at least one cut-off");
    for (int i = 0; i < k.size(); i++) {
      Check.that(k.get(i) != null && k.get(i) > 0, "k[" + i + "]", "must be > 0");
    }
    Check.that(calibrationBins >= 2, "calibration_bins", "must be >= 2");
  }
}

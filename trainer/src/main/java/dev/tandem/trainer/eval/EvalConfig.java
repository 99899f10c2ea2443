package dev.tandem.trainer.eval;

import dev.tandem.config.Check;
import java.util.List;

/**
 * The {@code eval} section of a job.
 *
 * @param k               cut-offs for Recall@K, NDCG@K and HitRate@K (retrieval)
 * @param calibrationBins bins of the ranking calibration table
 */
public record EvalConfig(List<Integer> k, Integer calibrationBins) {
  public static final EvalConfig DEFAULT = new EvalConfig(null, null);

  public EvalConfig {
    k = k == null ? List.of(10, 50, 100) : List.copyOf(k);
    Check.that(!k.isEmpty(), "k", "must list at least one cut-off");
    for (int i = 0; i < k.size(); i++) {
      Check.that(k.get(i) != null && k.get(i) > 0, "k[" + i + "]", "must be > 0");
    }
    calibrationBins = Check.orDefault(calibrationBins, 10);
    Check.that(calibrationBins >= 2, "calibration_bins", "must be >= 2");
  }
}

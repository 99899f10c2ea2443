package dev.tandem.datasets;

import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.profile.FeatureProfile;
import dev.tandem.datasets.profile.Profiler;
import dev.tandem.datasets.profile.SplitProfile;
import dev.tandem.datasets.split.SplitName;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The profile phase: per split and per feature, the statistics {@code profile.json} keeps as the drift reference.
 * Numeric histograms of validation and test use train's bin edges, so the splits compare bin by bin.
 */
final class SplitProfiler {
  private final List<FeatureSpec> features;
  private final List<FittedFeature> fitted;
  private final FeatureValues values;
  private final Outcomes outcomes;

  SplitProfiler(List<FeatureSpec> features, List<FittedFeature> fitted, FeatureValues values, Outcomes outcomes) {
    this.features = features;
    this.fitted = fitted;
    this.values = values;
    this.outcomes = outcomes;
  }

  DatasetProfile profile(SplitRanges splits) {
    Map<String, SplitProfile> out = new LinkedHashMap<>();
    Map<String, List<Double>> trainEdges = new HashMap<>();
    for (SplitName s : SplitName.values()) { // train first: the others reuse its edges
      out.put(s.key(), profile(s, splits, trainEdges));
    }
    return new DatasetProfile(DatasetProfile.FORMAT, out);
  }

  private SplitProfile profile(SplitName split, SplitRanges splits, Map<String, List<Double>> trainEdges) {
    int from = splits.from(split);
    int to = splits.to(split);
    SplitRanges.EntityCounts counts = splits.counts(split);
    boolean isTrain = split == SplitName.TRAIN;
    double pos = 0;
    double wsum = 0;
    for (int i = from; i < to; i++) {
      pos += outcomes.label()[i];
      wsum += outcomes.weight()[i];
    }
    FeatureProfile[] computed = new FeatureProfile[features.size()];
    IntStream.range(0, computed.length).parallel().forEach(k -> {
      FeatureSpec f = features.get(k);
      // history features are numbers (an item list: its length), profiled as such for drift checks
      FeatureKind kind = f.isHistory() ? FeatureKind.NUMERIC : f.kind();
      computed[k] = Profiler.profile(kind, fitted.get(k), values.of(f, from, to), FeatureValues.weights(f, counts),
          isTrain ? null : trainEdges.get(f.name()));
    });
    Map<String, FeatureProfile> byName = new LinkedHashMap<>();
    for (int k = 0; k < computed.length; k++) {
      String name = features.get(k).name();
      if (isTrain && computed[k] instanceof FeatureProfile.Numeric np) {
        trainEdges.put(name, np.edges());
      }
      byName.put(name, computed[k]);
    }
    int n = to - from;
    long[] ts = values.events().timestamp();
    return new SplitProfile(n, SplitRanges.EntityCounts.nonZero(counts.users()), SplitRanges.EntityCounts.nonZero(counts.items()),
        n == 0 ? 0 : pos / n, n == 0 ? 0 : wsum / n, n == 0 ? null : ts[from], n == 0 ? null : ts[to - 1], byName);
  }
}

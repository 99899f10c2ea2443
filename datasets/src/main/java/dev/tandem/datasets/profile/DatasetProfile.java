package dev.tandem.datasets.profile;

import java.util.Map;

/** {@code profile.json}: per split, per feature statistics. */
public record DatasetProfile(int format, Map<String, SplitProfile> splits) {
  public static final int FORMAT = 1;
}

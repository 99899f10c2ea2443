package dev.tandem.datasets.profile;

import java.util.Map;

/** Profile of one split: volume, time range, label rate and per-feature statistics. */
public record SplitProfile(long events, long users, long items, double labelRate, double meanWeight, Long firstTimestamp,
    Long lastTimestamp, Map<String, FeatureProfile> features) {}

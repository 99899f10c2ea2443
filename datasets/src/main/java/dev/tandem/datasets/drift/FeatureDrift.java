package dev.tandem.datasets.drift;

import java.util.List;

/**
 * The drift of one feature (or of the champion's scores) between a reference and a current profile.
 *
 * @param name              the feature
 * @param kind              categorical, numeric, multi_hot or score
 * @param status            the verdict against the thresholds
 * @param psi               population stability index over {@code bins}
 * @param jensenShannon     Jensen-Shannon distance over {@code bins}
 * @param ks                Kolmogorov-Smirnov statistic over the ordered bins (numerics only, else null)
 * @param ksPValue          its asymptotic p-value for the two event counts (numerics only, else null)
 * @param oovReference      out-of-vocabulary share in the reference (categorical and multi-hot, else null)
 * @param oovCurrent        out-of-vocabulary share in the current data
 * @param missingReference  share of rows without a value, reference
 * @param missingCurrent    share of rows without a value, current
 * @param bins              bin labels: top values plus "(other)", or numeric ranges
 * @param reference         reference share per bin
 * @param current           current share per bin
 * @param reasons           what set the status, e.g. "psi 0.31 >= 0.25"
 * @param note              how the bins were aligned when the two profiles' bins differ, else null
 */
public record FeatureDrift(String name, String kind, DriftStatus status, double psi, double jensenShannon, Double ks, Double ksPValue,
    Double oovReference, Double oovCurrent, double missingReference, double missingCurrent, List<String> bins, List<Double> reference,
    List<Double> current, List<String> reasons, String note) {}

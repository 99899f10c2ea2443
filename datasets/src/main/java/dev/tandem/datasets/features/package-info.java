/**
 * Feature encodings: fitting each declared feature on the train split ({@link dev.tandem.datasets.features.TransformFitter})
 * into a {@link dev.tandem.datasets.features.FeatureTransform} (vocabularies, buckets, means; saved as
 * {@code transform.json}), and encoding raw values with it, in bulk for training data and one request at a time for
 * serving, through the same code.
 *
 * <p>Must not import the readers ({@code source}, {@code text}), the shard format ({@code shard}) or the profiles:
 * serving encodes requests with this package alone. No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.features;

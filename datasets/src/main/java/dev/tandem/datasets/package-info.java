/**
 * Raw interaction logs to prepared datasets, and prepared datasets back to training data.
 *
 * <p>Owns the {@code dataset} section of a job ({@link dev.tandem.datasets.DatasetConfig}, features, label rule,
 * plausible time range), the preparation pipeline ({@link dev.tandem.datasets.DatasetPreparer} and its phases: plan,
 * read, order, split, entities, fit, encode, profile, write, each a small package-private class or record), the files a
 * prepared dataset consists of (manifest, summary) and their reader side ({@link dev.tandem.datasets.PreparedDataset},
 * {@link dev.tandem.datasets.EventBatch}, {@link dev.tandem.datasets.EntityTable}), which the trainer and serving use.
 *
 * <p>Must not import Spark, DL4J or ND4J, nor any other Tandem module but core: trainers, the parameter server and
 * serving build on this module, never the other way round ({@code PackageRulesTest} checks the imports of every
 * package of this module).
 */
package dev.tandem.datasets;

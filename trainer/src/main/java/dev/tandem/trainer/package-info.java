/**
 * A training job as a whole: the YAML file a user writes ({@link dev.tandem.trainer.JobConfig}: dataset, model, train,
 * eval and cluster sections, checked on load, references between sections included) and where it trains
 * ({@link dev.tandem.trainer.ClusterSection}). The sections' records live with the packages that use them (model,
 * train, eval); the dataset section is the datasets module's.
 *
 * <p>Must not import: {@code dev.tandem.trainer.checkpoint}, {@code dev.tandem.trainer.tune}, {@code dev.tandem.ps},
 * {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code org.apache.spark}, {@code org.deeplearning4j},
 * {@code org.nd4j}. A job is configuration: loading one reads no data and builds no model ({@code PackageRulesTest}
 * checks every package of the trainer).
 */
package dev.tandem.trainer;

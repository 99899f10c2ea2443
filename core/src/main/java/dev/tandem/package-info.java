/**
 * What every Tandem module stands on, at the bottom: the code version recorded in every model's provenance
 * ({@link dev.tandem.CodeVersion}) and the one shuffle of Tandem's data orders ({@link dev.tandem.Shuffle}). Its
 * subpackages hold configuration ({@code config}), file-system access ({@code fs}), the format of persisted files
 * ({@code format}) and progress reporting ({@code progress}).
 *
 * <p>Must not import: {@code dev.tandem.config}, {@code dev.tandem.format}, {@code dev.tandem.fs},
 * {@code dev.tandem.progress}, {@code dev.tandem.datasets}, {@code dev.tandem.trainer}, {@code dev.tandem.ps},
 * {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code org.apache.hadoop}, {@code com.fasterxml}. The subpackages
 * build on this package, never the other way round, and core knows nothing of data, models or Spark
 * ({@code PackageRulesTest} checks every package of core).
 */
package dev.tandem;

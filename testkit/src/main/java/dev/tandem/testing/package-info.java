/**
 * Fixtures shared by every module's tests, in main scope so that modules use them with test scope and none depends on
 * another's test jar: a real HDFS in this JVM ({@link dev.tandem.testing.MiniHdfs}, per test class
 * {@link dev.tandem.testing.MiniHdfsExtension}; {@link dev.tandem.testing.MiniHdfsMain} for the local cluster script),
 * the MovieLens-100k location ({@link dev.tandem.testing.TestData}), a file system that fills up
 * ({@link dev.tandem.testing.FullDisk}), captured log events ({@link dev.tandem.testing.LogCapture}), persisted files
 * as a newer Tandem would write them ({@link dev.tandem.testing.NewerFiles}), and the check that a module's packages
 * keep to what their package-info says they must not import ({@link dev.tandem.testing.PackageRules}).
 *
 * <p>Must not import: {@code dev.tandem.datasets}, {@code dev.tandem.trainer}, {@code dev.tandem.ps},
 * {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code org.apache.spark}, {@code org.deeplearning4j},
 * {@code org.nd4j}. Every module's tests use this package, so it stands on core alone; nothing here is part of the
 * product.
 */
package dev.tandem.testing;

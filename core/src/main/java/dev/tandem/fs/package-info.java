/**
 * File access through Hadoop's FileSystem API, so that any path may be a plain path, {@code file://} or
 * {@code hdfs://} URI ({@link dev.tandem.fs.Fs}: atomic writes, renames that never overwrite, listings), checksums
 * ({@link dev.tandem.fs.Checksums}), and the two failures every reader and writer reports: damaged data
 * ({@link dev.tandem.fs.CorruptDataException}, naming the file) and a failed operation
 * ({@link dev.tandem.fs.FileOperationException}, naming the path and the operation). The local file system's atomic
 * rename lives in {@link dev.tandem.fs.LocalFileSystem}.
 *
 * <p>Must not import: {@code dev.tandem.config}, {@code dev.tandem.format}, {@code dev.tandem.progress},
 * {@code dev.tandem.datasets}, {@code dev.tandem.trainer}, {@code dev.tandem.ps}, {@code dev.tandem.serving},
 * {@code dev.tandem.cli}, {@code com.fasterxml}, {@code org.apache.spark}. This is the lowest package of core: the others
 * read and write through it.
 */
package dev.tandem.fs;

/**
 * How every file Tandem persists is written and read ({@link dev.tandem.format.Persisted}): JSON with snake_case keys
 * and a top-level {@code format} version per kind of file, read tolerantly (fields a newer version added are ignored) and
 * refused, naming the file, when a newer version wrote a format this build does not know
 * ({@link dev.tandem.format.UnsupportedFormatException}). Configuration enums are written as in configuration files.
 *
 * <p>Must not import: {@code dev.tandem.progress}, {@code dev.tandem.datasets}, {@code dev.tandem.trainer},
 * {@code dev.tandem.ps}, {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code org.apache.spark},
 * {@code org.deeplearning4j}, {@code org.nd4j}. Of the configuration package it uses the enum binding only; the kinds of
 * files (and their {@code FORMAT} constants) belong to the modules that write them.
 */
package dev.tandem.format;

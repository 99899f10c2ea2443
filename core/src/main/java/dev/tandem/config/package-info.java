/**
 * User configuration: YAML loaded into immutable records and validated on load, every error naming its dotted key
 * ({@link dev.tandem.config.ConfigLoader}, {@link dev.tandem.config.ConfigException}), the checks records run in their
 * constructors ({@link dev.tandem.config.Check}), and the binding of configuration enums, written as their lower-case
 * names ({@link dev.tandem.config.ConfigEnum}, {@link dev.tandem.config.ConfigEnumModule}). Configuration is strict: an
 * unknown key is a typo and fails. Each module owns the records of its own sections.
 *
 * <p>Must not import: {@code dev.tandem.format}, {@code dev.tandem.progress}, {@code dev.tandem.datasets},
 * {@code dev.tandem.trainer}, {@code dev.tandem.ps}, {@code dev.tandem.serving}, {@code dev.tandem.cli},
 * {@code org.apache.spark}, {@code org.deeplearning4j}, {@code org.nd4j}. Files Tandem writes are not configuration:
 * they go through {@code dev.tandem.format}, which reads tolerantly.
 */
package dev.tandem.config;

/**
 * Progress of long work as library code reports it ({@link dev.tandem.progress.Progress}): tasks with a total, units
 * advanced and a status. The CLI renders them as progress bars; tests and library callers pass
 * {@link dev.tandem.progress.Progress#NONE}. Library code reports progress here and never prints.
 *
 * <p>Must not import: {@code dev.tandem.config}, {@code dev.tandem.format}, {@code dev.tandem.fs},
 * {@code dev.tandem.datasets}, {@code dev.tandem.trainer}, {@code dev.tandem.ps}, {@code dev.tandem.serving},
 * {@code dev.tandem.cli}, {@code org.apache.hadoop}, {@code com.fasterxml}, {@code me.tongfei}. How progress is drawn is
 * the CLI's business.
 */
package dev.tandem.progress;

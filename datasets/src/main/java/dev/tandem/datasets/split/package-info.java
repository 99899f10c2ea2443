/**
 * Temporal splits: the {@code dataset.split} configuration (fractions or absolute cut-offs) and the boundaries of
 * train, validation and test in time-ordered events.
 *
 * <p>Must not import any other package of this module. No Spark, no DL4J, no ND4J.
 */
package dev.tandem.datasets.split;

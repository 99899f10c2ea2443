/**
 * What the {@code tandem sweep} command adds to the sweep engine of {@link dev.tandem.trainer.tune.sweep}: trials as
 * Spark jobs submitted through {@code scripts/submit.sh} ({@link dev.tandem.cli.sweep.ClusterTrialLauncher}), and the
 * leaderboard ({@link dev.tandem.cli.sweep.SweepReport}: CSV, JSON and a self-contained HTML page with XChart plots).
 */
package dev.tandem.cli.sweep;

/**
 * The search logic of hyperparameter sweeps, pure and deterministic: search spaces over job keys
 * ({@link dev.tandem.trainer.tune.SearchSpace}, {@link dev.tandem.trainer.tune.ParamSpec}), the grid, random and TPE
 * samplers ({@link dev.tandem.trainer.tune.Sampler}), and asynchronous successive halving
 * ({@link dev.tandem.trainer.tune.AshaScheduler}). A trial's parameters depend only on the seed, its index and the
 * finished trials, so a resumed sweep samples what an uninterrupted one would have.
 *
 * <p>No files, processes or clocks here, and no import of {@link dev.tandem.trainer.tune.sweep}, the engine that runs
 * sweeps with these.
 */
package dev.tandem.trainer.tune;

/**
 * The search logic of hyperparameter sweeps, pure and deterministic: search spaces over job keys
 * ({@link dev.tandem.trainer.tune.SearchSpace}, {@link dev.tandem.trainer.tune.ParamSpec}), the grid, random and TPE
 * samplers ({@link dev.tandem.trainer.tune.Sampler}), and asynchronous successive halving
 * ({@link dev.tandem.trainer.tune.AshaScheduler}). A trial's parameters depend only on the seed, its index and the
 * finished trials, so a resumed sweep samples what an uninterrupted one would have.
 *
 * <p>No files, processes or clocks here. Must not import: {@code dev.tandem.trainer} (any other package of the trainer,
 * {@link dev.tandem.trainer.tune.sweep}, the engine that runs sweeps with these, included), {@code dev.tandem.fs},
 * {@code dev.tandem.format}, {@code org.apache.hadoop}, {@code org.deeplearning4j}, {@code org.nd4j}.
 */
package dev.tandem.trainer.tune;

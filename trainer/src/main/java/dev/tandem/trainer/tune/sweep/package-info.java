/**
 * The engine of hyperparameter sweeps, usable without the CLI: it runs a sweep file's trials as processes, watches
 * them, stops weak ones and keeps the sweep directory that lets a sweep continue after a crash, Ctrl-C or SIGKILL.
 *
 * <ul>
 *   <li>{@link dev.tandem.trainer.tune.sweep.SweepConfig} — the sweep file, validated on load (errors name the key).
 *   <li>{@link dev.tandem.trainer.tune.sweep.SweepRunner} — the loop: owns the state and writes it after every change;
 *       Ctrl-C or SIGTERM interrupts it within seconds, whatever it is doing.
 *   <li>{@link dev.tandem.trainer.tune.sweep.SweepScheduler} — the decisions (which trial starts, ASHA's stops, the
 *       wall-clock budget), pure: no process, no file, time from an injected {@link java.time.Clock}.
 *   <li>{@link dev.tandem.trainer.tune.sweep.TrialProcesses} — the trials' operating-system processes, started through
 *       a {@link dev.tandem.trainer.tune.sweep.TrialLauncher} (a child JVM, {@link
 *       dev.tandem.trainer.tune.sweep.LocalTrialLauncher}; the CLI adds cluster submissions).
 *   <li>{@link dev.tandem.trainer.tune.sweep.TrialMetrics} — a trial's run read into typed values;
 *       {@link dev.tandem.trainer.tune.sweep.TrialEvaluation} — a test-split objective;
 *       {@link dev.tandem.trainer.tune.sweep.TrialCommands} — the trials' command lines.
 *   <li>{@link dev.tandem.trainer.tune.sweep.TrialStore}, {@link dev.tandem.trainer.tune.sweep.SweepState},
 *       {@link dev.tandem.trainer.tune.sweep.TrialRecord} — the sweep directory and its {@code state.json}.
 * </ul>
 *
 * <p>The search itself (spaces, samplers, ASHA's arithmetic) is in {@link dev.tandem.trainer.tune}. Nothing here knows
 * picocli or {@code dev.tandem.cli} (the trainer module cannot see them): what a command adds, a launcher for instance,
 * it passes in.
 *
 * <p>Must not import: {@code dev.tandem.trainer.model}, {@code dev.tandem.trainer.checkpoint}, {@code dev.tandem.ps},
 * {@code dev.tandem.serving}, {@code dev.tandem.cli}, {@code picocli}, {@code org.apache.spark},
 * {@code org.deeplearning4j}, {@code org.nd4j}. Trials train in processes of their own: the engine never builds a model.
 */
package dev.tandem.trainer.tune.sweep;

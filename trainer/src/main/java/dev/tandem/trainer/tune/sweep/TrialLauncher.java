package dev.tandem.trainer.tune.sweep;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * How a trial's training runs as an operating-system process. {@link LocalTrialLauncher} runs {@code tandem train} in a
 * child JVM of this machine with its share of the cores; the CLI adds a launcher that submits trials to a Spark cluster
 * through {@code scripts/submit.sh}. Either way the trial writes its metrics into its run directory, which is all the
 * sweep watches, and the process it starts is the one the sweep stops.
 */
public interface TrialLauncher {

  /**
   * The command line of a trial. Pure: starts nothing.
   *
   * @param trainArgs the arguments after {@code tandem}: {@code train --config ... --run ... --set ...} or {@code train
   *                  --resume RUN ...}
   * @return a new list the caller may keep
   * @throws IllegalArgumentException when the arguments are not a {@code tandem train} command this launcher can run
   */
  List<String> command(List<String> trainArgs);

  /**
   * The command as a person would type it, for {@code --dry-run}; by default the command itself.
   *
   * @return a new list the caller may keep
   */
  default List<String> display(List<String> trainArgs) {
    return command(trainArgs);
  }

  /**
   * Environment variables to add for the trial process. Among them the parent-process variable the trial watches, so
   * that a trial never outlives its sweep.
   *
   * @return an unmodifiable map
   */
  Map<String, String> environment();

  /** Whether an interrupted trial can continue from its checkpoints with {@code train --resume}. */
  boolean canResume();

  /** A short description for logs ("2 trials at a time, 1 core each"). */
  String describe();

  /**
   * Whether a live process is one this launcher started for a trial, so that a pid recorded by an earlier session is
   * stopped only if it was not reused by an unrelated process since. By default no process is claimed.
   */
  default boolean isTrialProcess(ProcessHandle process) {
    return false;
  }

  /**
   * Starts the trial's process with its output (stdout and stderr) appended to {@code log} and its input empty.
   *
   * @return the started process; the caller owns it: it must end it (or wait for its end)
   * @throws IOException when the process cannot be started
   */
  default Process start(List<String> trainArgs, File log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command(trainArgs));
    pb.environment().putAll(environment());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    return pb.start();
  }

  /** Whether a process's command line names {@code mainClass} (for {@link #isTrialProcess}). */
  static boolean runs(ProcessHandle process, String mainClass) {
    return process.info().arguments().map(a -> List.of(a).contains(mainClass)).orElse(false);
  }
}

package dev.tandem.cli;

import dev.tandem.config.ConfigLoader;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.tune.sweep.LocalTrialLauncher;
import dev.tandem.trainer.tune.sweep.SweepConfig;
import dev.tandem.trainer.tune.sweep.SweepRunner;
import dev.tandem.trainer.tune.sweep.TrialEvaluation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * {@code tandem sweep run} as its own JVM, with one difference: a finished trial's test-split evaluation first writes
 * the marker file and holds for two minutes (then evaluates for real), so that SweepSignalTest can signal the sweep
 * while it evaluates. Arguments: SWEEP.yaml DIR CACHE MARKER.
 */
public final class SlowEvaluationSweep {
  private SlowEvaluationSweep() {}

  public static void main(String[] args) throws Exception {
    ConfigLoader.Loaded<SweepConfig> loaded = SweepConfig.load(args[0]);
    SweepConfig cfg = loaded.value();
    int parallel = cfg.budget().maxParallel();
    LocalTrialLauncher launcher = new LocalTrialLauncher(Tandem.class.getName(), Tandem.PARENT_PID_ENV, 1, parallel, cfg.trial().jvmOptions());
    TrialEvaluation real = TrialEvaluation.testSplit(args[2]);
    Path marker = Path.of(args[3]);
    TrialEvaluation slow = (run, metric) -> {
      try {
        Files.writeString(marker, run.root().toString());
        Thread.sleep(120_000);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return real.evaluate(run, metric);
    };
    new SweepRunner(loaded, args[1], launcher, args[2], slow, Clock.systemUTC()).run(Progress.NONE);
  }
}

package dev.tandem.datasets;

import dev.tandem.config.ConfigLoader;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/** Test fixture: a dataset section given as YAML text (without the {@code dataset:} key), parsed or prepared. */
final class Prepare {
  private Prepare() {}

  /** Parses a dataset section given as YAML. */
  static ConfigLoader.Loaded<DatasetConfig> config(String yaml, Path baseDir) {
    return ConfigLoader.parse(yaml, "test.yaml", baseDir.toString(), DatasetConfig.class, List.of());
  }

  /** Prepares a dataset section into {@code out}, with its cache under {@code baseDir/cache}. */
  static PreparedDataset dataset(String yaml, Path baseDir, String out) {
    return dataset(yaml, baseDir, out, Clock.systemUTC());
  }

  /** Prepares as if at the moment {@code clock} tells. */
  static PreparedDataset dataset(String yaml, Path baseDir, String out, Clock clock) {
    ConfigLoader.Loaded<DatasetConfig> cfg = config(yaml, baseDir);
    return new DatasetPreparer(cfg.value(), cfg.tree(), baseDir.toString(), baseDir.resolve("cache").toString(), Progress.NONE, clock)
        .prepare(Fs.path(out), true);
  }
}

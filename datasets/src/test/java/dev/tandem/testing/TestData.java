package dev.tandem.testing;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.DatasetConfig;
import dev.tandem.datasets.DatasetPreparer;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** Helpers shared by tests of several modules (published as the datasets test-jar). */
public final class TestData {
  private TestData() {}

  /** MovieLens-100k from ../shared (relative to the repository root); tests skip with a message when absent. */
  public static Path movieLens() {
    Path root = repositoryRoot();
    Path ml = root.resolve("../shared/data/ml-100k").normalize();
    Assumptions.assumeTrue(Files.exists(ml.resolve("u.data")),
        "MovieLens-100k not found at " + ml + ": skipping (it is read from ../shared, never copied into the project)");
    return ml;
  }

  /** The repository root, found by walking up from the working directory to the parent pom. */
  public static Path repositoryRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null) {
      if (Files.exists(p.resolve("pom.xml")) && Files.exists(p.resolve("datasets/pom.xml"))) {
        return p;
      }
      p = p.getParent();
    }
    throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
  }

  public static Path write(Path dir, String name, String content) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return f;
  }

  /** Parses a dataset section given as YAML (without the "dataset:" key). */
  public static ConfigLoader.Loaded<DatasetConfig> dataset(String yaml, Path baseDir) {
    return ConfigLoader.parse(yaml, "test.yaml", baseDir.toString(), DatasetConfig.class, List.of());
  }

  /** Prepares a dataset section into {@code out}. */
  public static PreparedDataset prepare(String yaml, Path baseDir, String out) {
    ConfigLoader.Loaded<DatasetConfig> cfg = dataset(yaml, baseDir);
    return new DatasetPreparer(cfg.value(), cfg.tree(), baseDir.toString(), baseDir.resolve("cache").toString(), Progress.NONE)
        .prepare(Fs.path(out), true);
  }

  /** The MovieLens-100k dataset section of ../shared/docs/EVALUATION.md. */
  public static String movieLensYaml(Path ml) {
    return "source: {format: movielens-100k, path: \"" + ml + "\"}\n"
        + "label: \"rating >= 4\"\n"
        + "features:\n"
        + "  - {name: user_id, entity: user, kind: categorical}\n"
        + "  - {name: age, entity: user, kind: numeric, bucketize: {boundaries: [18, 25, 35, 45, 50, 56]}}\n"
        + "  - {name: gender, entity: user, kind: categorical}\n"
        + "  - {name: occupation, entity: user, kind: categorical}\n"
        + "  - {name: item_id, entity: item, kind: categorical}\n"
        + "  - {name: genres, entity: item, kind: multi_hot}\n"
        + "  - {name: release_decade, entity: item, source: release_year, kind: numeric, bucketize: {boundaries: [1930, 1940, 1950, 1960, 1970, 1980, 1990]}}\n";
  }
}

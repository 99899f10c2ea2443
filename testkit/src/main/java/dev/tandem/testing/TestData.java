package dev.tandem.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Files and paths shared by the tests of every module: where MovieLens-100k is, the repository root, small files.
 * Fixtures that need the data pipeline live beside the tests that use them (this module sits below it).
 */
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

  /** Writes {@code content} as UTF-8 to {@code dir/name}, creating directories; returns the file. */
  public static Path write(Path dir, String name, String content) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return f;
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

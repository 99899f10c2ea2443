package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.tandem.fs.FileOperationException;
import dev.tandem.fs.Fs;
import dev.tandem.serving.bundle.ServingBundle;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch mode: every known user's top K in one file, and errors that name the file asked for. */
class OfflinePredictionsTest {
  @TempDir
  Path dir;

  @Test
  void writesEveryUsersTopKAndNamesTheRequestedFileWhenItCannot() throws Exception {
    ServingBundle bundle = Fixtures.bundle();
    List<String> users = Arrays.asList(bundle.users().ids()).subList(0, 20);
    try (BundleRecommender rec = new BundleRecommender(bundle)) {
      Path csv = dir.resolve("out/top.csv");
      assertThat(OfflinePredictions.write(rec, users, 3, Fs.path(csv.toString()), 2)).isEqualTo(20);
      assertThat(Files.readAllLines(csv)).hasSize(1 + 20 * 3).first().isEqualTo("user_id,rank,item_id,score");

      // a directory that takes no new files: the error names the file asked for, never the temporary one beside it
      assumeThat(new File("/proc/self").isDirectory()).as("a Linux /proc").isTrue();
      assertThatThrownBy(() -> OfflinePredictions.write(rec, users, 3, Fs.path("/proc/top.csv"), 2))
          .isInstanceOf(FileOperationException.class)
          .hasMessage("cannot write /proc/top.csv: No such file or directory");

      // a "directory" that is a file
      Path file = Files.writeString(dir.resolve("plain"), "x");
      Throwable notADirectory = org.assertj.core.api.Assertions.catchThrowable(
          () -> OfflinePredictions.write(rec, users, 3, Fs.path(file.resolve("top.csv").toString()), 2));
      assertThat(notADirectory).isInstanceOf(IOException.class)
          .hasMessageStartingWith("cannot create directory " + file + ": ")
          .hasMessageNotContaining("._tmp");
    }
  }
}

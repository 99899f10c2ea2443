package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The job file of a submission may be given as a path or as the file: URI a sweep passes. */
class SubmitCommandTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void aFileUriIsTheLocalFileAndOtherSchemesAreRefused() {
    assertThat(SubmitCommand.localJob("file:/tmp/job.yaml")).isEqualTo(Path.of("/tmp/job.yaml"));
    assertThat(SubmitCommand.localJob("file:///tmp/job.yaml")).isEqualTo(Path.of("/tmp/job.yaml"));
    assertThat(SubmitCommand.localJob("examples/job.yaml")).isEqualTo(Path.of("examples/job.yaml"));
    assertThatThrownBy(() -> SubmitCommand.localJob("hdfs://nn:8020/jobs/job.yaml")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("--job").hasMessageContaining("hdfs://nn:8020/jobs/job.yaml");
  }

  @Test
  void aSweepsFileUriJobIsSubmitted() {
    String job = ROOT.resolve("examples/synthetic-two-tower-cluster.yaml").toUri().toString();
    assertThat(job).startsWith("file:");
    CliRunner.Result r = CliRunner.run("submit", "--cluster", ROOT.resolve("cluster-config/local-cluster.yaml").toString(), "--job", job,
        "--dry-run", "--set", "train.epochs=2");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains(ROOT.resolve("examples/synthetic-two-tower-cluster.yaml").toString(), "train.epochs=2");
  }
}

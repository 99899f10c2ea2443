package dev.tandem.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.source.MovieLensSource;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.fs.Fs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run directory's job.yaml must still find the job's inputs when read from the run directory (train --resume). */
class JobConfigRunYamlTest {
  @Test
  void relativeInputLocationsBecomeAbsolute() {
    String job = """
        name: j
        dataset:
          source: {format: movielens-100k, path: ../../shared/data/ml-100k}
          label: "rating >= 4"
          features: [{name: user_id, entity: user, kind: categorical}, {name: item_id, entity: item, kind: categorical}]
        prepared: prep/ds
        """;
    ConfigLoader.Loaded<JobConfig> loaded = ConfigLoader.parse(job, "job.yaml", "/work/repo/examples", JobConfig.class, List.of());
    String yaml = JobConfig.runYaml(loaded);
    // read back as --resume does: relative to the run directory, somewhere else entirely
    JobConfig again = ConfigLoader.parse(yaml, "run/job.yaml", "/tmp/elsewhere/run", JobConfig.class, List.of()).value();
    assertThat(((MovieLensSource) again.dataset().source()).path()).isEqualTo(Fs.path("/work/shared/data/ml-100k").toString());
    assertThat(again.prepared()).isEqualTo(Fs.path("/work/repo/examples/prep/ds").toString());
    // the job itself is unchanged otherwise
    assertThat(yaml).contains("name: j");
  }

  @Test
  void absoluteLocationsAndUrisAreKept() {
    String job = """
        name: j
        dataset:
          source: {format: synthetic, users: 10, items: 10, events: 100, dir: "hdfs://nn:8020/data/syn"}
          label: "watch_seconds >= 30"
          features: [{name: user_id, entity: user, kind: categorical}, {name: item_id, entity: item, kind: categorical}]
        """;
    ConfigLoader.Loaded<JobConfig> loaded = ConfigLoader.parse(job, "job.yaml", "/work/repo/examples", JobConfig.class, List.of());
    JobConfig again = ConfigLoader.parse(JobConfig.runYaml(loaded), "x", "/tmp", JobConfig.class, List.of()).value();
    assertThat(((SyntheticSource) again.dataset().source()).dir()).isEqualTo("hdfs://nn:8020/data/syn");
  }
}

package dev.tandem.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.model.ModelSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThroughputTest {
  @TempDir
  Path dir;

  @Test
  void reportsRatesCpuTimeAndMemoryPeaks() {
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("dcn", 1), dir, "train.batch_size=256");
    PreparedDataset ds = SmallJobs.dataset(job, dir);
    ModelSpec spec = LocalTrainer.spec(job.value(), ds);
    Throughput.Result r = Throughput.measure("dcn", ds, spec, job.value().train(), 1, 2, 3);
    assertThat(r.perEpoch()).hasSize(2);
    assertThat(Math.min(r.perEpoch()[0], r.perEpoch()[1])).isPositive();
    assertThat(r.median()).isIn(r.perEpoch()[0], r.perEpoch()[1]);
    assertThat(r.msPerStep()).isCloseTo(1000.0 * 256 / r.median(), org.assertj.core.api.Assertions.within(1e-9));
    assertThat(r.cpuMsPerStep()).as("process CPU per step").isPositive();
    assertThat(r.peakHeapBytes()).isPositive();
    assertThat(r.peakOffHeapBytes()).as("ND4J's arrays and workspaces").isGreaterThan(1 << 16);
    assertThat(r.peakRssBytes()).isGreaterThan(r.peakOffHeapBytes());
  }
}

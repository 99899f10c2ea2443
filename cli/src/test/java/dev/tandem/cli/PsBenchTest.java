package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem bench ps} starts its shards as JVMs, trains against them and reports what they hold and what crossed
 * the wire: every id of both tables on the shards, the wire bytes of a step against the dense gradient's.
 */
class PsBenchTest {
  @TempDir
  Path dir;

  @Test
  void trainsAgainstOneAndTwoShardsAndReportsRowsAndWireBytes() throws Exception {
    Path json = dir.resolve("ps.json");
    CliRunner.Result r = CliRunner.run("bench", "ps", "--shards", "1,2", "--ids", "3000", "--steps", "4", "--rounds", "2", "--batch", "64",
        "--shard-heap", "256m", "--json", json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("examples/s", "KB to shards/step", "in process");
    JsonNode results = Persisted.json().readTree(json.toFile()).get("results");
    assertThat(results).hasSize(3);
    for (int i = 1; i <= 2; i++) {
      JsonNode s = results.get(i);
      assertThat(s.get("shards").asInt()).isEqualTo(i);
      assertThat(s.get("shard_rows").asLong()).isEqualTo(6000); // the fill admitted every id of both tables
      assertThat(s.get("shard_peak_rss_bytes")).hasSize(i);
      // a step sends, per table, at most a batch of distinct ids to pull (id, count) and to push (id, 16 floats), plus headers
      assertThat(s.get("bytes_to_shards_per_step").asDouble()).isBetween(1000.0, 2 * 64 * (8 + 4 + 8 + 16 * 4) + 4096.0);
      assertThat(s.get("dense_gradient_bytes_per_step").asLong()).isGreaterThan(2L * 3000 * 16 * 4);
      // a full checkpoint holds every row (16 floats and a row-wise AdaGrad accumulator each), an incremental one fewer
      assertThat(s.get("full_checkpoint_bytes").asLong()).isGreaterThan(6000L * (16 + 1) * 4);
      assertThat(s.get("incremental_checkpoint_bytes").asLong()).isPositive().isLessThan(s.get("full_checkpoint_bytes").asLong());
      assertThat(s.get("restore_seconds").asDouble()).isPositive();
      // 4 timed steps, each pulling and pushing its distinct ids (at most 64) of both tables
      assertThat(s.get("shard_rows_served").asLong()).isBetween(4L * 2 * 2 * 32, 4L * 2 * 2 * 64);
      assertThat(s.get("shard_service_cpu_us_per_row").asDouble()).isPositive().isLessThan(10_000.0);
      assertThat(s.get("shard_process_cpu_us_per_row").asDouble()).isNotNaN().isGreaterThanOrEqualTo(0.0);
    }
  }
}

package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code tandem bench embeddings} prints step cost and bytes per row for each id space, beside and inside the network. */
class EmbeddingBenchTest {
  @Test
  void printsThroughputAndBytesPerRowForEachIdSpace() {
    CliRunner.Result r = CliRunner.run("bench", "embeddings", "--ids", "500,3000", "--in-network-max", "500", "--steps", "3", "--batch", "64");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("examples/s").contains("bytes/row").contains("ideal bytes/row")
        .contains("in_process (lazy_adam)").contains("in_network (adam)").contains("3,000");
    // lazy Adam, dim 16: 16 floats of row + 32 of moments
    assertThat(r.out()).contains("192");
    assertThat(r.out().lines().filter(l -> l.contains("in_network (adam)") && l.trim().startsWith("3,000"))).isEmpty();
  }
}

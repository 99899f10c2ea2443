package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterBenchTest {
  @Test
  void explainsTheRatioFromThePerStepSplitAndPredictsExecutorsWithTheirOwnCores() {
    // README's loopback rows: 127 steps of 512 per epoch; 1 worker 3.20 / 0.37 / 1.53 s, 2 workers 4.60 / 0.50 / 0.28 s
    Map<String, Object> one = Map.of("workers", 1, "examples_per_second", 12770.0, "steps_per_executor", 127.0,
        "compute_seconds_per_executor", 3.20, "encode_apply_seconds_per_executor", 0.37, "wait_seconds", 1.53);
    Map<String, Object> two = Map.of("workers", 2, "examples_per_second", 14845.0, "steps_per_executor", 63.5,
        "compute_seconds_per_executor", 4.60, "encode_apply_seconds_per_executor", 0.50, "wait_seconds", 0.28);
    StringWriter s = new StringWriter();
    ClusterBench.explain(new PrintWriter(s, true), List.of(one, two), 512);
    String out = s.toString();
    assertThat(out).contains("compute 25.2 ms, encode+apply 2.9 ms; wait 1.53 s per epoch");
    assertThat(out).contains("2 workers against 1: 1.16x the examples/s").contains("compute 72.4 ms (2.87x)");
    // T(N) = 127 / N * 28.1 ms + 1.53 s; examples/s = 127 * 512 / T(N)
    assertThat(out).contains(" 1: 12,750").contains(" 2: 19,615").contains(" 8: 32,903");
  }
}

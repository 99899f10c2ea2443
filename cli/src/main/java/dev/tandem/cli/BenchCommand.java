package dev.tandem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tandem bench ...}: benchmarks that print numbers. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print throughput and latency numbers.",
    subcommands = {IngestBench.class, TrainBench.class, EmbeddingBench.class, PsBench.class, ClusterBench.class, ServeBench.class})
final class BenchCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}

package dev.tandem.cli;

import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.train.IdSpaceThroughput;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench embeddings}: training step cost against id space, tables beside the network and inside it. */
@Command(name = "embeddings", mixinStandardHelpOptions = true,
    description = {"Measure training throughput (examples/s) of a two-tower model against the id space of its tables: user and item",
        "tables of 2k, 100k, 1M and 10M ids each, ids drawn uniformly, with the tables beside the network (model.embeddings.store:",
        "in_process, filled with every id first) and inside it (up to --in-network-max ids); and the bytes a held row takes against",
        "the ideal (its floats plus its optimizer state). Every model is held at once and timed in rounds, in turn: 10M ids with lazy",
        "Adam need about 7 GB of heap (TANDEM_JAVA_OPTS=-Xmx9g)."})
final class EmbeddingBench implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--ids", split = ",", defaultValue = "2000,100000,1000000,10000000", description = "Ids per table (default: ${DEFAULT-VALUE}).")
  List<Long> ids;
  @Option(names = "--in-network-max", defaultValue = "1000000", description = "Largest id space also measured inside the network (default: ${DEFAULT-VALUE}).")
  long inNetworkMax;
  @Option(names = "--optimizer", defaultValue = "lazy_adam", description = "The store's row optimizer: sgd, adagrad, rowwise_adagrad, lazy_adam (default: ${DEFAULT-VALUE}).")
  String optimizer;
  @Option(names = "--dim", defaultValue = "16", description = "Embedding width (default: ${DEFAULT-VALUE}).")
  int dim;
  @Option(names = "--batch", defaultValue = "1024", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;
  @Option(names = "--steps", defaultValue = "200", description = "Timed steps of each model after 30 warm-up steps (default: ${DEFAULT-VALUE}).")
  int steps;
  @Option(names = "--rounds", defaultValue = "5", description = "Rounds the timed steps are split into, every model in turn; the median round counts"
      + " (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    RowOptimizer.Kind kind = dev.tandem.config.Check.enumOf(RowOptimizer.Kind.values(), optimizer);
    Tables t = new Tables("ids per table", "tables", "examples/s", "ms/step", "vs smallest", "rows held", "bytes/row", "ideal bytes/row",
        "fill s");
    List<IdSpaceThroughput.Result> results = IdSpaceThroughput.measure(ids, inNetworkMax, kind, dim, batch, 30, steps, rounds, 42);
    Double first = null;
    for (IdSpaceThroughput.Result r : results) {
      if (r.beside() && first == null) {
        first = r.examplesPerSecond();
      }
      String rel = r.beside() ? String.format("%+.0f%%", 100 * (r.examplesPerSecond() / first - 1)) : "";
      t.row(String.format("%,d", r.ids()), r.beside() ? "in_process (" + r.optimizer() + ")" : "in_network (adam)", r.examplesPerSecond(),
          r.msPerStep(), rel, String.format("%,d", r.rows()), r.beside() ? String.format("%.1f", r.bytesPerRow()) : "", r.idealBytesPerRow(),
          r.beside() ? String.format("%.1f", r.fillSeconds()) : "");
    }
    out.println();
    t.print(out);
    out.printf("%nTwo-tower, embedding_dim %d, hidden [64], output 32, batch %d, %d timed steps of each model in %d rounds taken in turn (the"
        + " median round counts, so load from other processes falls on every id space alike); uniform ids: nearly every id of a batch is"
        + " distinct. bytes/row counts every array of the user table (rows, optimizer state, id map, recency, frequency) over the rows it"
        + " holds. cores=%d, OMP_NUM_THREADS=%s.%n", dim, batch, steps, rounds, Runtime.getRuntime().availableProcessors(),
        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
    out.flush();
    return 0;
  }
}

package dev.tandem.cli;

import dev.tandem.format.Persisted;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.train.IdSpaceThroughput;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench ps}: a two-tower model trained against its tables on 1, 2, 4... parameter-server shards. */
@Command(name = "ps", mixinStandardHelpOptions = true,
    description = {"Measure training throughput of a two-tower model whose user and item tables (--ids each, ids drawn uniformly) live on",
        "parameter-server shards: for each --shards count, that many `tandem ps` JVMs are started on 127.0.0.1 (Aeron UDP on loopback),",
        "filled with every id, and trained against in timed rounds (the median round counts). Prints examples/s, bytes on the wire per",
        "step to and from the shards (against the dense gradient that gradient sharing of the same model with in-network tables would",
        "encode every step), the rows and memory each shard holds and its peak RSS, and this worker's peak heap and RSS. Run it with a",
        "small worker (TANDEM_JAVA_OPTS=\"-Xmx640m -Dorg.bytedeco.javacpp.maxbytes=256m -Dorg.bytedeco.javacpp.maxphysicalbytes=1g\") to",
        "train tables larger than the worker. With --checkpoints (the default) it also times a full checkpoint of the shards, an",
        "incremental one after another round of steps, and restoring both onto the same shards."})
final class PsBench implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--shards", split = ",", defaultValue = "1,2,4", description = "Shard counts to measure, in turn (default: ${DEFAULT-VALUE}).")
  List<Integer> shards;
  @Option(names = "--ids", defaultValue = "1000000", description = "Ids per table (default: ${DEFAULT-VALUE}).")
  long ids;
  @Option(names = "--optimizer", defaultValue = "rowwise_adagrad", description = "Row optimizer: sgd, adagrad, rowwise_adagrad, lazy_adam"
      + " (default: ${DEFAULT-VALUE}).")
  String optimizer;
  @Option(names = "--dim", defaultValue = "16", description = "Embedding width (default: ${DEFAULT-VALUE}).")
  int dim;
  @Option(names = "--batch", defaultValue = "1024", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;
  @Option(names = "--steps", defaultValue = "200", description = "Timed steps after 30 warm-up steps (default: ${DEFAULT-VALUE}).")
  int steps;
  @Option(names = "--rounds", defaultValue = "5", description = "Rounds the timed steps are split into; the median counts (default: ${DEFAULT-VALUE}).")
  int rounds;
  @Option(names = "--staleness", defaultValue = "0", description = "Steps whose pushes may be unacknowledged (default: ${DEFAULT-VALUE}).")
  int staleness;
  @Option(names = "--shard-heap", defaultValue = "1g", description = "Heap of each shard JVM (default: ${DEFAULT-VALUE}).")
  String shardHeap;
  @Option(names = "--in-process", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Also measure the same model with its tables in this process (--no-in-process for tables larger than this worker).")
  boolean inProcess;
  @Option(names = "--term-buffer-mb", defaultValue = "16", description = "Aeron term buffer of the worker's streams to each shard, MB; the"
      + " worker maps three per shard (default: ${DEFAULT-VALUE}).")
  int termBufferMb;
  @Option(names = "--checkpoints", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Also time a full checkpoint of the shards, an incremental one after another round, and restoring both"
          + " (written under a temporary directory, deleted afterwards; --no-checkpoints to skip).")
  boolean checkpoints;
  @Option(names = "--json", description = "Also write the results as JSON to this file.")
  Path json;

  private static void deleteTree(Path p) throws java.io.IOException {
    if (Files.exists(p)) {
      try (java.util.stream.Stream<Path> s = Files.walk(p)) {
        for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    RowOptimizer.Kind kind = dev.tandem.config.Check.enumOf(RowOptimizer.Kind.values(), optimizer);
    Tables t = new Tables("shards", "examples/s", "ms/step", "fill s", "KB to shards/step", "KB from shards/step", "dense gradient KB/step",
        "rows held", "shard MB (sum)", "shard peak RSS MB (max)", "shard CPU us/row: serving / process", "shard cores busy", "full ckpt s (MB)", "incremental ckpt s (MB)", "restore s");
    List<Map<String, Object>> rows = new ArrayList<>();
    Path logs = Files.createTempDirectory("tandem-bench-ps");
    if (inProcess) {
      IdSpaceThroughput.Result r = IdSpaceThroughput.measure(List.of(ids), 0, kind, dim, batch, 30, steps, rounds, 42).get(0);
      t.row("in process", r.examplesPerSecond(), String.format("%.1f", r.msPerStep()), String.format("%.1f", r.fillSeconds()), "", "", "",
          String.format("%,d", 2 * r.rows()), "", "", "", "");
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("shards", 0);
      row.put("examples_per_s", r.examplesPerSecond());
      row.put("ms_per_step", r.msPerStep());
      row.put("fill_seconds", r.fillSeconds());
      rows.add(row);
    }
    for (int n : shards) {
      try (ShardProcesses ps = ShardProcesses.start(n, shardHeap, logs.resolve("shards-" + n))) {
        ShardedStore.Settings settings = new ShardedStore.Settings(ps.addresses(), staleness, 120_000, "127.0.0.1", termBufferMb, "bench-ps-" + n);
        Path cpDir = logs.resolve("checkpoints-" + n);
        IdSpaceThroughput.ShardedResult r = IdSpaceThroughput.measureSharded(ids, settings, kind, dim, batch, 30, steps, rounds, 42,
            checkpoints ? cpDir.toUri().toString() : null);
        deleteTree(cpDir);
        IdSpaceThroughput.Checkpoints cp = r.checkpoints();
        long shardBytes = r.shards().stream().mapToLong(ShardedStore.ShardStats::bytes).sum();
        long shardRows = r.shards().stream().mapToLong(ShardedStore.ShardStats::rows).sum();
        long peak = ps.peakRss().stream().mapToLong(Long::longValue).max().orElse(-1);
        t.row(n, r.result().examplesPerSecond(), String.format("%.1f", r.result().msPerStep()), String.format("%.1f", r.result().fillSeconds()),
            String.format("%.1f", r.bytesToShardsPerStep() / 1024), String.format("%.1f", r.bytesFromShardsPerStep() / 1024),
            String.format("%,.0f", r.denseBytesPerStep() / 1024.0), String.format("%,d", shardRows), String.format("%,.0f", shardBytes / 1048576.0),
            String.format("%,.0f", peak / 1048576.0),
            String.format("%.2f / %.2f", r.cpu().serviceMicrosPerRow(), r.cpu().processMicrosPerRow()),
            String.format("%.2f", r.cpu().processCores()),
            cp == null ? "" : String.format("%.1f (%,.0f)", cp.fullSeconds(), cp.fullBytes() / 1048576.0),
            cp == null ? "" : String.format("%.1f (%,.0f)", cp.deltaSeconds(), cp.deltaBytes() / 1048576.0),
            cp == null ? "" : String.format("%.1f", cp.restoreSeconds()));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("shards", n);
        row.put("staleness", staleness);
        row.put("examples_per_s", r.result().examplesPerSecond());
        row.put("ms_per_step", r.result().msPerStep());
        row.put("fill_seconds", r.result().fillSeconds());
        row.put("bytes_to_shards_per_step", r.bytesToShardsPerStep());
        row.put("bytes_from_shards_per_step", r.bytesFromShardsPerStep());
        row.put("dense_gradient_bytes_per_step", r.denseBytesPerStep());
        row.put("shard_rows", shardRows);
        row.put("shard_bytes", shardBytes);
        row.put("shard_bytes_per_row", shardRows == 0 ? 0 : (double) shardBytes / shardRows);
        row.put("ideal_bytes_per_row", r.result().idealBytesPerRow());
        row.put("shard_peak_rss_bytes", ps.peakRss());
        row.put("shard_rows_served", r.cpu().rowsServed());
        row.put("shard_service_cpu_us_per_row", r.cpu().serviceMicrosPerRow());
        row.put("shard_process_cpu_us_per_row", r.cpu().processMicrosPerRow());
        row.put("shard_process_cores", r.cpu().processCores());
        if (cp != null) {
          row.put("full_checkpoint_seconds", cp.fullSeconds());
          row.put("full_checkpoint_bytes", cp.fullBytes());
          row.put("incremental_checkpoint_seconds", cp.deltaSeconds());
          row.put("incremental_checkpoint_bytes", cp.deltaBytes());
          row.put("restore_seconds", cp.restoreSeconds());
        }
        rows.add(row);
      }
    }
    Runtime rt = Runtime.getRuntime();
    long workerRss = MemoryPeak.peakRss(ProcessHandle.current().pid());
    out.println();
    t.print(out);
    out.printf("%nTwo-tower, %,d ids per table (user and item), embedding_dim %d (%s), hidden [64], output 32, batch %d, %d timed steps in %d"
        + " rounds (median), staleness %d. Shards: separate JVMs on 127.0.0.1 (-Xmx%s each), Aeron UDP on loopback. This worker: max heap"
        + " %,d MB, peak RSS %,d MB. cores=%d. Shard CPU per row served (pulled or pushed), over the timed steps: its request"
        + " threads' time handling messages / its whole processes' (media drivers and idle polling included); cores busy: the"
        + " processes' CPU seconds per second.%n", ids, dim, kind.key(), batch, steps, rounds, staleness, shardHeap, rt.maxMemory() / 1048576,
        workerRss / 1048576, rt.availableProcessors());
    out.flush();
    if (json != null) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("ids_per_table", ids);
      doc.put("dim", dim);
      doc.put("optimizer", kind.key());
      doc.put("batch", batch);
      doc.put("worker_max_heap_bytes", rt.maxMemory());
      doc.put("worker_peak_rss_bytes", workerRss);
      doc.put("results", rows);
      Files.write(json, Persisted.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
    }
    return 0;
  }
}

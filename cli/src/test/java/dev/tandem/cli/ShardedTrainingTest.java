package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.train.RunDirectory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A two-tower model whose tables live on parameter-server shards ({@code tandem ps}, each its own JVM, Aeron on
 * 127.0.0.1): a shard killed with SIGKILL mid-epoch stops the run with an error naming it, no checkpoint mixes two
 * moments, and {@code --resume} onto a different number of shards finishes with exactly the parameters of an
 * uninterrupted run whose tables stayed in process.
 */
class ShardedTrainingTest {
  @TempDir
  Path dir;

  private final List<ShardProcesses> shards = new ArrayList<>();

  static final String JOB = """
      name: %s
      seed: 5
      dataset:
        source: {format: synthetic, users: 300, items: 150, events: 12000, days: 30, seed: 4}
        label: "watch_seconds >= 30"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
      model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8, embeddings: {store: %s, optimizer: adagrad}}
      train: {epochs: 3, batch_size: 64, learning_rate: 0.01, checkpoint_every: 8, keep_checkpoints: 100, early_stopping: {patience: 0}}
      %s
      """;

  @AfterEach
  void stopShards() {
    shards.forEach(ShardProcesses::close);
  }

  private Path job(String name, String store, String cluster) throws IOException {
    Path p = dir.resolve(name + ".yaml");
    Files.writeString(p, JOB.formatted(name, store, cluster));
    return p;
  }

  private static List<String> java() {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    return cmd;
  }

  private static String shardsYaml(List<String> addresses, int fullEvery) {
    return "cluster: {mode: local, parameter_server: {shards: [" + String.join(", ", addresses) + "], timeout_seconds: 10, full_checkpoint_every: "
        + fullEvery + "}}";
  }

  @Test
  void aKilledShardStopsTheRunAndResumeOntoThreeShardsEndsWhereAnUninterruptedRunEnds() throws Exception {
    String cache = dir.resolve("cache").toString();
    // the reference: the same model with its tables in this process, never interrupted
    String straight = dir.resolve("runs/straight").toString();
    CliRunner.Result a = CliRunner.run("train", "--config", job("straight", "in_process", "").toString(), "--run", straight, "--cache", cache);
    assertThat(a.exit()).as(a.err()).isZero();

    ShardProcesses first = ShardProcesses.start(2, "256m", dir.resolve("ps-a"));
    shards.add(first);
    List<String> two = first.addresses();
    Path sharded = job("sharded", "sharded", shardsYaml(two, 2));
    String killed = dir.resolve("runs/killed").toString();
    List<String> cmd = java();
    cmd.add("-Xmx1g");
    cmd.addAll(List.of("dev.tandem.cli.Tandem", "train", "--config", sharded.toString(), "--run", killed, "--cache", cache));
    Path trainLog = dir.resolve("killed.log");
    Process trainer = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(trainLog.toFile()).start();
    try {
      FsCheckpointStore store = new FsCheckpointStore(dev.tandem.fs.Fs.path(killed + "/checkpoints"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      boolean midSecondEpoch = false;
      while (!midSecondEpoch && trainer.isAlive() && System.nanoTime() < deadline) {
        for (String id : store.list()) {
          JsonNode s;
          try {
            s = Persisted.json().readTree(Path.of(killed, "checkpoints", id, "state.json").toFile());
          } catch (IOException notYet) {
            continue;
          }
          midSecondEpoch |= s != null && s.has("epoch") && s.get("epoch").asInt() == 1 && s.get("step_in_epoch").asInt() > 8;
        }
        Thread.sleep(10);
      }
      assertThat(trainer.isAlive()).as("training should still run (log: %s)", Files.readString(trainLog)).isTrue();
      first.process(1).destroyForcibly(); // SIGKILL: the shard's rows are gone with it
      assertThat(trainer.waitFor(60, TimeUnit.SECONDS)).as("training should stop once a shard is gone").isTrue();
    } finally {
      trainer.destroyForcibly();
    }
    String log = Files.readString(trainLog);
    assertThat(trainer.exitValue()).as(log).isNotZero();
    assertThat(log).contains("parameter-server shard 1 at " + two.get(1));
    assertThat(Persisted.json().readTree(Path.of(killed, "run.json").toFile()).get("status").asText()).isEqualTo("failed");

    // every committed checkpoint is one moment: the same as the uninterrupted run's checkpoint of that step
    FsCheckpointStore killedStore = new FsCheckpointStore(RunDirectory.at(killed).checkpoints());
    FsCheckpointStore straightStore = new FsCheckpointStore(RunDirectory.at(straight).checkpoints());
    List<String> ids = killedStore.list();
    assertThat(ids).hasSizeGreaterThan(2);
    boolean sawDelta = false;
    for (String id : ids) {
      JsonNode manifest = Persisted.json().readTree(Path.of(killed, "checkpoints", id, "checkpoint.json").toFile());
      List<String> parts = new ArrayList<>();
      manifest.get("files").fieldNames().forEachRemaining(f -> {
        if (f.startsWith("embeddings-part-")) {
          parts.add(f);
        }
      });
      assertThat(parts).as(id).hasSize(2);
      sawDelta |= parts.stream().allMatch(p -> p.contains("delta"));
      Checkpoint k = killedStore.load(id);
      Checkpoint s = straightStore.load(id);
      assertThat(k.graph().params()).as(id).isEqualTo(s.graph().params());
      k.sparse().embeddings().close();
      s.sparse().embeddings().close();
    }
    assertThat(sawDelta).as("full_checkpoint_every: 2 writes incremental checkpoints between full ones").isTrue();

    // the run goes on from its last checkpoint on three fresh shards: the rows are re-hashed onto them
    first.close();
    ShardProcesses second = ShardProcesses.start(3, "256m", dir.resolve("ps-b"));
    shards.add(second);
    List<String> three = second.addresses();
    CliRunner.Result b = CliRunner.run("train", "--resume", killed, "--set",
        "cluster.parameter_server.shards=[" + String.join(", ", three) + "]");
    assertThat(b.exit()).as(b.err()).isZero();
    Checkpoint x = straightStore.latestGood().orElseThrow();
    Checkpoint y = killedStore.latestGood().orElseThrow();
    assertThat(y.state().globalStep()).isEqualTo(x.state().globalStep());
    INDArray px = x.graph().params();
    assertThat(y.graph().params()).isEqualTo(px);
    JsonNode traffic = Persisted.json().readTree(Path.of(killed, "traffic.json").toFile());
    assertThat(traffic.get("parameter_server").get("shards")).hasSize(3);
    for (JsonNode shard : traffic.get("parameter_server").get("shards")) {
      // each shard JVM's CPU: serving requests is part of all it spent
      assertThat(shard.get("service_cpu_ms").asLong()).isNotNegative().isLessThanOrEqualTo(shard.get("process_cpu_ms").asLong());
      assertThat(shard.get("process_cpu_ms").asLong()).isPositive();
    }
    String metrics = Files.readAllLines(Path.of(killed, "metrics.jsonl")).stream().collect(Collectors.joining("\n"));
    // the last epoch, the resumed session's second, has a previous epoch's counters to take rates from
    assertThat(metrics).contains("ps_shard2_rows", "ps_shard0_bytes_in", "ps_shard2_service_cores");

    // export reads the rows from the checkpoint's parts (the shards are gone) into the usual bundle
    second.close();
    String reg = dir.resolve("registry").toString();
    for (String[] r : new String[][] {{killed, "sharded"}, {straight, "plain"}}) {
      CliRunner.Result e = CliRunner.run("export", "--run", r[0], "--registry", reg, "--name", r[1]);
      assertThat(e.exit()).as(e.err()).isZero();
    }
    for (String user : List.of("u1", "u17", "u230")) {
      CliRunner.Result fromShards = CliRunner.run("recommend", "--model", reg + "/sharded@v1", "--user", user, "--json");
      CliRunner.Result inProcess = CliRunner.run("recommend", "--model", reg + "/plain@v1", "--user", user, "--json");
      assertThat(fromShards.exit()).as(fromShards.err()).isZero();
      assertThat(Persisted.json().readTree(fromShards.out()).get("items"))
          .isEqualTo(Persisted.json().readTree(inProcess.out()).get("items"));
    }
  }
}

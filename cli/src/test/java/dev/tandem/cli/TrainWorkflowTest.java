package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.testing.TestData;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.train.RunDirectory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The training workflow around one small two-tower run: jobs checked before any data is read, training on a dataset
 * prepared by {@code data prepare}, evaluations kept per split with only test metrics exported, resuming a run whose
 * checkpoints are all damaged, a run stopped by a signal, and the help and alias rules of the CLI.
 */
class TrainWorkflowTest {
  @TempDir
  static Path shared;
  @TempDir
  Path dir;

  static final String JOB = """
      name: wf
      seed: 5
      dataset:
        source:
          format: events
          events: {path: raw/events.csv}
          columns: {user_id: user_id, item_id: item_id, timestamp: timestamp, watch_seconds: watch_seconds}
          users: {path: raw/users.csv, key: user_id}
          items: {path: raw/items.csv, key: item_id}
        label: "watch_seconds >= 30"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
      model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8%s}
      train: {epochs: %d, batch_size: 128, learning_rate: 0.005, checkpoint_every: 10, keep_checkpoints: 3, early_stopping: {patience: 0}}
      """;

  static Path job;
  static String cache;
  static String trained;

  @BeforeAll
  static void trainOnce() throws Exception {
    CliRunner.Result synth = CliRunner.run("data", "synth", "--out", shared.resolve("raw").toString(), "--users", "250", "--items", "120",
        "--events", "12000", "--days", "30");
    assertThat(synth.exit()).as(synth.err()).isZero();
    job = shared.resolve("job.yaml");
    Files.writeString(job, JOB.formatted("", 2));
    cache = shared.resolve("cache").toString();
    trained = shared.resolve("runs/trained").toString();
    CliRunner.Result r = CliRunner.run("train", "--config", job.toString(), "--run", trained, "--cache", cache);
    assertThat(r.exit()).as(r.err()).isZero();
  }

  /** A copy of the trained run for a test to change. */
  private String copyOfTrainedRun() throws IOException {
    Path to = dir.resolve("run");
    try (Stream<Path> files = Files.walk(Path.of(trained))) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(Path.of(trained).relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return to.toString();
  }

  @Test
  void aJobIsCheckedWholeBeforeAnyDataIsRead() throws Exception {
    String localCache = dir.resolve("cache").toString();
    // the CSV example has no model section: nothing to train, so nothing is prepared
    Path csv = TestData.repositoryRoot().resolve("examples/csv-ratings.yaml");
    CliRunner.Result r = CliRunner.run("train", "--config", csv.toString(), "--run", dir.resolve("csv").toString(), "--cache", localCache);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: model: is required to train");
    assertThat(dir.resolve("cache")).doesNotExist();
    assertThat(dir.resolve("csv")).doesNotExist();

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, JOB.formatted(", user_features: [user_id, country, income]", 2).replace("raw/", shared.resolve("raw") + "/"));
    r = CliRunner.run("train", "--config", bad.toString(), "--run", dir.resolve("bad").toString(), "--cache", localCache);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: model.user_features[2]: ")
        .contains("no feature 'income' in dataset.features (known: user_id, country, item_id, tags)");
    assertThat(dir.resolve("cache")).doesNotExist();
    r = CliRunner.run("data", "prepare", "--config", bad.toString(), "--out", dir.resolve("prepared").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(dir.resolve("prepared")).doesNotExist();
  }

  @Test
  void trainUsesADatasetPreparedByDataPrepareWhenItMatchesTheJob() throws Exception {
    Path raw = dir.resolve("raw");
    Files.createDirectories(raw);
    for (String f : List.of("events.csv", "users.csv", "items.csv")) {
      Files.copy(shared.resolve("raw").resolve(f), raw.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
    }
    Path j = dir.resolve("job.yaml");
    Files.writeString(j, JOB.formatted("", 1));
    String prepared = dir.resolve("prepared").toString();
    CliRunner.Result p = CliRunner.run("data", "prepare", "--config", j.toString(), "--out", prepared);
    assertThat(p.exit()).as(p.err()).isZero();
    assertThat(p.out()).contains("next: tandem train --config " + j + " --data " + Fs.path(prepared));

    String localCache = dir.resolve("cache").toString();
    String run = dir.resolve("run").toString();
    CliRunner.Result t = CliRunner.run("train", "--config", j.toString(), "--data", prepared, "--run", run, "--cache", localCache);
    assertThat(t.exit()).as(t.err()).isZero();
    assertThat(RunDirectory.at(run).readInfo().datasetPath()).isEqualTo(Fs.path(prepared).toString());
    assertThat(dir.resolve("cache/datasets")).as("nothing prepared again").doesNotExist();
    assertThat(Files.readString(Path.of(run, "job.yaml"))).contains("prepared: ").contains(Fs.path(prepared).toString());
    CliRunner.Result again = CliRunner.run("train", "--resume", run, "--cache", localCache);
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(dir.resolve("cache/datasets")).doesNotExist();

    // another dataset section: refused, saying what differs
    CliRunner.Result other = CliRunner.run("train", "--config", j.toString(), "--data", prepared, "--run", dir.resolve("other").toString(),
        "--cache", localCache, "--set", "dataset.split={train: 0.7, validation: 0.15, test: 0.15}");
    assertThat(other.exit()).isEqualTo(2);
    assertThat(other.err()).startsWith("error: prepared: ").contains("was prepared from another dataset section than the job's")
        .contains("dataset.split.train: the job has '0.7', " + Fs.path(prepared) + " was prepared with nothing");
    // the raw log changed since: refused too
    Files.writeString(raw.resolve("events.csv"), Files.readString(raw.resolve("events.csv")) + "u1,i1,1700000000,45\n");
    CliRunner.Result changed = CliRunner.run("train", "--config", j.toString(), "--data", prepared, "--run", dir.resolve("changed").toString(),
        "--cache", localCache);
    assertThat(changed.exit()).isEqualTo(2);
    assertThat(changed.err()).contains("was prepared from other raw files than the job reads now").contains("events.csv");
    assertThat(dir.resolve("other")).doesNotExist();
    assertThat(dir.resolve("changed")).doesNotExist();
  }

  @Test
  void evaluationsAreKeptPerSplitAndExportPublishesTestMetrics() throws Exception {
    String run = copyOfTrainedRun();
    CliRunner.Result test = CliRunner.run("evaluate", "--run", run, "--split", "test");
    assertThat(test.exit()).as(test.err()).isZero();
    assertThat(test.out()).contains("written: " + Fs.path(run) + "/eval-test.json");
    CliRunner.Result validation = CliRunner.run("evaluate", "--run", run, "--split", "validation");
    assertThat(validation.exit()).as(validation.err()).isZero();
    JsonNode t = Persisted.json().readTree(Path.of(run, "eval-test.json").toFile());
    JsonNode v = Persisted.json().readTree(Path.of(run, "eval-validation.json").toFile());
    assertThat(t.get("split").asText()).isEqualTo("test");
    assertThat(v.get("split").asText()).isEqualTo("validation");
    assertThat(v.get("recall@10").asDouble()).isNotEqualTo(t.get("recall@10").asDouble());

    String registry = dir.resolve("registry").toString();
    CliRunner.Result e = CliRunner.run("export", "--run", run, "--registry", registry, "--name", "wf");
    assertThat(e.exit()).as(e.err()).isZero();
    assertThat(e.out()).contains("[test split]");
    JsonNode retrieval = Persisted.json().readTree(Path.of(registry, "wf", "v1", "manifest.json").toFile()).get("models").get("retrieval");
    assertThat(retrieval.get("split").asText()).isEqualTo("test");
    assertThat(retrieval.get("metrics").get("recall@10").asDouble()).isEqualTo(t.get("recall@10").asDouble());
    assertThat(retrieval.get("metrics").get("ndcg@10").asDouble()).isEqualTo(t.get("ndcg@10").asDouble());

    // a run evaluated by an earlier version on validation only: export evaluates test itself
    Files.delete(Path.of(run, "eval-test.json"));
    Files.move(Path.of(run, "eval-validation.json"), Path.of(run, "eval.json"));
    CliRunner.Result e2 = CliRunner.run("export", "--run", run, "--registry", registry, "--name", "wf");
    assertThat(e2.exit()).as(e2.err()).isZero();
    JsonNode r2 = Persisted.json().readTree(Path.of(registry, "wf", "v2", "manifest.json").toFile()).get("models").get("retrieval");
    assertThat(r2.get("split").asText()).isEqualTo("test");
    assertThat(r2.get("metrics").get("recall@10").asDouble()).isEqualTo(t.get("recall@10").asDouble());
  }

  @Test
  void resumingARunWhoseCheckpointsAreAllDamagedIsRefusedUnlessFresh() throws Exception {
    String run = copyOfTrainedRun();
    List<String> ids = new FsCheckpointStore(RunDirectory.at(run).checkpoints()).list();
    for (String id : ids) {
      Path state = Path.of(run, "checkpoints", id, "state.json");
      Files.writeString(state, Files.readString(state).replace("\"epoch\"", "\"epoch_\""));
    }
    CliRunner.Result r = CliRunner.run("train", "--resume", run);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: " + Fs.path(run) + "/checkpoints: every checkpoint is damaged, so wf cannot resume:");
    for (String id : ids) {
      assertThat(r.err()).contains("  " + id + ": " + Fs.path(run) + "/checkpoints/" + id + "/state.json: checksum mismatch");
    }
    assertThat(r.err()).contains("tandem train --resume " + Fs.path(run) + " --fresh");

    assertThat(CliRunner.run("train", "--config", job.toString(), "--fresh").err()).contains("--fresh goes with --resume");
    CliRunner.Result fresh = CliRunner.run("train", "--resume", run, "--fresh");
    assertThat(fresh.exit()).as(fresh.err()).isZero();
    assertThat(RunDirectory.at(run).readInfo().status()).isEqualTo(RunDirectory.FINISHED);
    assertThat(RunDirectory.at(run).readMetrics()).hasSize(2);
  }

  /** SIGTERM (what Ctrl-C, a scheduler or a sweep's stop sends) while training: run.json says interrupted, not running. */
  @Test
  void aRunStoppedBySignalIsMarkedInterrupted() throws Exception {
    Path j = dir.resolve("long.yaml");
    Files.writeString(j, JOB.formatted("", 50).replace("raw/", shared.resolve("raw") + "/"));
    String run = dir.resolve("run").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D") || arg.startsWith("-Xmx")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.tandem.cli.Tandem", "train", "--config", j.toString(),
        "--run", run, "--cache", cache));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("train.log").toFile()).start();
    FsCheckpointStore store = new FsCheckpointStore(RunDirectory.at(run).checkpoints());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (p.isAlive() && store.list().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(p.isAlive()).as("still training (log: %s)", Files.readString(dir.resolve("train.log"))).isTrue();
    assertThat(RunDirectory.at(run).readInfo().status()).isEqualTo(RunDirectory.RUNNING);
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    RunDirectory.Info info = RunDirectory.at(run).readInfo();
    assertThat(info.status()).as(Files.readString(dir.resolve("train.log"))).isEqualTo(RunDirectory.INTERRUPTED);
    assertThat(info.stopReason()).startsWith("interrupted: ").contains("tandem train --resume " + Fs.path(run));
  }

  @Test
  void helpShowsEachCommandsDescriptionWhole() {
    CliRunner.Result help = CliRunner.run("--help");
    assertThat(help.exit()).isZero();
    // picocli wraps long descriptions (at spaces, and after a '.' as in metrics.jsonl): compare without whitespace
    String flat = help.out().replaceAll("\\s+", "");
    CommandLine cl = Tandem.commandLine();
    for (var e : cl.getSubcommands().entrySet()) {
      // the list shows a command's header if it has one (as picocli's own help command does), else its description
      CommandLine.Model.UsageMessageSpec usage = e.getValue().getCommandSpec().usageMessage();
      String[] shown = usage.header().length > 0 ? usage.header() : usage.description();
      String description = String.join(" ", shown).replaceAll("\\s+", "");
      assertThat(flat).as("tandem --help, %s", e.getKey()).contains(e.getKey() + description);
    }
  }

  @Test
  void anAliasThatLooksLikeAVersionIsRefused() {
    String registry = dir.resolve("registry").toString();
    for (String alias : List.of("v99999999999999999999", "v1", "latest")) {
      CliRunner.Result r = CliRunner.run("registry", "promote", "--registry", registry, "wf@v1", "--alias", alias);
      assertThat(r.exit()).isEqualTo(2);
      assertThat(r.err()).contains("invalid alias '" + alias + "'");
    }
  }
}

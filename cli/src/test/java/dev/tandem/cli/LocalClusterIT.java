package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The loopback cluster for real: scripts/local-cluster.sh starts a Spark standalone master, two workers and an HDFS
 * mini-cluster, each a separate JVM on 127.0.0.1 (on ports of its own, so a developer's cluster may keep running),
 * and jobs are submitted to it with {@code tandem submit}, as scripts/submit.sh does. Executors read the prepared
 * shards from HDFS, exchange gradients over Aeron UDP, and the driver checkpoints to HDFS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalClusterIT {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final int SPARK_PORT = 17177;
  static final int HDFS_PORT = 19100;
  static final String HDFS = "hdfs://127.0.0.1:" + HDFS_PORT;
  /** Every command's output is kept here (the cluster's own logs are copied here when the tests end). */
  static final Path LOGS = Path.of("target", "it-logs").toAbsolutePath();

  Path tmp;
  Path home;
  Path clusterFile;

  @BeforeAll
  void startCluster() throws Exception {
    tmp = Files.createTempDirectory("tandem-it");
    Files.createDirectories(LOGS);
    home = tmp.resolve("home");
    Files.createDirectories(home);
    clusterFile = tmp.resolve("it-cluster.yaml");
    // the shipped loopback config, moved to this test's ports
    String yaml = Files.readString(ROOT.resolve("cluster-config/local-cluster.yaml"))
        .replace("spark://127.0.0.1:7077", "spark://127.0.0.1:" + SPARK_PORT)
        .replace("hdfs://127.0.0.1:9000", HDFS)
        .replace("controller_port: 40123", "controller_port: 41123")
        .replace("port_range: [40201, 40299]", "port_range: [41201, 41299]");
    Files.writeString(clusterFile, yaml);
    Run start = run(List.of(ROOT.resolve("scripts/local-cluster.sh").toString(), "start"), 300);
    Path logs = home.resolve("cluster/logs");
    assertThat(start.exit).as(() -> start.output + tail(logs.resolve("hdfs.log")) + tail(logs.resolve("master.log"))).isZero();
  }

  @AfterAll
  void stopCluster() throws Exception {
    run(List.of(ROOT.resolve("scripts/local-cluster.sh").toString(), "stop"), 120);
    try (java.util.stream.Stream<Path> s = Files.walk(home.resolve("cluster"))) {
      for (Path f : s.filter(f -> f.toString().endsWith(".log") || f.getFileName().toString().equals("stderr")).toList()) {
        Path to = LOGS.resolve("cluster").resolve(home.resolve("cluster").relativize(f).toString());
        Files.createDirectories(to.getParent());
        Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    try (java.util.stream.Stream<Path> s = Files.walk(tmp)) {
      s.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
    }
  }

  @Test
  void twoExecutorJvmsTrainTogetherAndTheirGradientsCrossAeron() throws Exception {
    String runDir = HDFS + "/tandem/runs/e2e";
    Run submit = tandem(List.of("submit", "--cluster", clusterFile.toString(), "--job", job().toString(),
        "--app-jar", ROOT.resolve("cli/target/tandem.jar").toString(), "--run", runDir,
        "--set", "train.epochs=4", "--set", "train.early_stopping.patience=0", "--set", "train.refit=true"), 600);
    assertThat(submit.exit).as(submit.output).isZero();
    assertThat(submit.output).contains("org.apache.spark.deploy.SparkSubmit", "--master spark://127.0.0.1:" + SPARK_PORT);

    JsonNode traffic = readJson(runDir + "/traffic.json");
    JsonNode executors = traffic.get("executors");
    assertThat(executors.size()).as(traffic.toString()).isEqualTo(2);
    Set<Long> pids = new HashSet<>();
    for (JsonNode e : executors) {
      pids.add(e.get("pid").asLong());
      // every executor sent updates, and received the other one's: they crossed Aeron between JVMs
      assertThat(e.get("updates_sent").asLong()).as(e.toString()).isPositive();
      assertThat(e.get("updates_received").asLong()).as(e.toString()).isPositive();
      assertThat(e.get("bytes_sent").asLong()).as(e.toString()).isPositive();
      assertThat(e.get("bytes_received").asLong()).as(e.toString()).isPositive();
      assertThat(e.get("dense_bytes_equivalent").asLong()).isGreaterThan(e.get("bytes_sent").asLong());
    }
    pids.add(traffic.get("driver").get("pid").asLong());
    assertThat(pids).as("driver and executors are three JVMs").hasSize(3);
    assertThat(traffic.get("driver").get("updates_received").asLong()).isPositive();
    assertThat(traffic.get("compression_ratio").asDouble()).isGreaterThan(20);

    // per-epoch traffic lands in the run's metrics too
    String metrics = new String(Fs.readAll(Fs.path(runDir + "/metrics.jsonl")), StandardCharsets.UTF_8);
    assertThat(metrics.lines().count()).isEqualTo(4);
    assertThat(metrics).contains("\"traffic_updates_sent\"", "\"traffic_compression_ratio\"");

    Run eval = tandem(List.of("evaluate", "--run", runDir, "--split", "test"), 300);
    assertThat(eval.exit).as(eval.output).isZero();
    JsonNode e = readJson(runDir + "/eval-test.json");
    assertThat(e.get("recall@10").asDouble()).isGreaterThan(e.get("baseline").get("recall@10").asDouble());

    // the refit trained on the same cluster, in the same driver JVM, without a failed epoch: the first run's
    // parameter server let go of the controller port
    String refit = new String(Fs.readAll(Fs.path(runDir + "/refit/metrics.jsonl")), StandardCharsets.UTF_8);
    int chosen = 0;
    for (String line : metrics.lines().toList()) {
      JsonNode m = Persisted.json().readTree(line);
      chosen = m.get("improved").asBoolean() ? m.get("epoch").asInt() : chosen;
    }
    assertThat(refit.lines().count()).as("the epochs validation chose").isEqualTo(chosen);
    for (String line : (metrics + refit).lines().toList()) {
      JsonNode m = Persisted.json().readTree(line);
      assertThat(m.get("epoch_attempts").asInt()).as(line).isEqualTo(1);
      assertThat(m.get("traffic_executors").asInt()).as(line).isEqualTo(2);
    }
    assertThat(new String(Fs.readAll(Fs.path(runDir + "/refit/job.yaml")), StandardCharsets.UTF_8)).contains("validation: 0.0");
  }

  @Test
  void killingAnExecutorJvmMidRunStillEndsInAnEvaluatedModel() throws Exception {
    String runDir = HDFS + "/tandem/runs/kill";
    Process p = start(tandemCommand(List.of("submit", "--cluster", clusterFile.toString(), "--job", job().toString(),
        "--app-jar", ROOT.resolve("cli/target/tandem.jar").toString(), "--run", runDir,
        "--set", "train.epochs=4", "--set", "train.early_stopping.patience=0")), LOGS.resolve("kill.log"));
    try {
      // once the first epoch is done, kill -9 one executor JVM in the middle of the second
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      long victim = -1;
      while (victim < 0 && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(500);
        if (!Fs.exists(Fs.path(runDir + "/metrics.jsonl"))) {
          continue;
        }
        for (String node : List.of("executor-0", "executor-1")) {
          org.apache.hadoop.fs.Path f = Fs.path(runDir + "/traffic/" + node + ".json");
          if (Fs.exists(f)) {
            victim = readJson(f.toString()).get("pid").asLong();
            break;
          }
        }
      }
      assertThat(victim).as(Files.readString(LOGS.resolve("kill.log"))).isPositive();
      Thread.sleep(2000);
      ProcessHandle h = ProcessHandle.of(victim).orElseThrow();
      assertThat(h.destroyForcibly()).isTrue();
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("the run ends after the kill").isTrue();
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String log = Files.readString(LOGS.resolve("kill.log"));
    assertThat(p.exitValue()).as(log).isZero();
    String metrics = new String(Fs.readAll(Fs.path(runDir + "/metrics.jsonl")), StandardCharsets.UTF_8);
    assertThat(metrics.lines().count()).as(log).isEqualTo(4);
    Run eval = tandem(List.of("evaluate", "--run", runDir, "--split", "test"), 300);
    assertThat(eval.exit).as(eval.output).isZero();
    JsonNode e = readJson(runDir + "/eval-test.json");
    assertThat(e.get("recall@10").asDouble()).isGreaterThan(e.get("baseline").get("recall@10").asDouble());
  }

  /** The shipped cluster example, on a smaller synthetic dataset to keep the test short. */
  private Path job() throws IOException {
    Path p = tmp.resolve("it-two-tower.yaml");
    if (!Files.exists(p)) {
      String yaml = Files.readString(ROOT.resolve("examples/synthetic-two-tower-cluster.yaml"))
          .replace("events: 200000", "events: 100000")
          .replace("config: ../cluster-config/local-cluster.yaml", "config: " + clusterFile);
      Files.writeString(p, yaml);
    }
    return p;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return "\n--- " + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "\n(no " + log + ")";
    }
  }

  private JsonNode readJson(String location) throws IOException {
    return Persisted.json().readTree(Fs.readAll(Fs.path(location)));
  }

  record Run(int exit, String output) {}

  private Map<String, String> env() {
    return Map.of("TANDEM_HOME", home.toString(), "TANDEM_SPARK_PORT", String.valueOf(SPARK_PORT), "TANDEM_SPARK_UI_PORT", "18181",
        "TANDEM_HDFS_PORT", String.valueOf(HDFS_PORT), "TANDEM_WORKER_MEMORY", "2g",
        "TANDEM_HDFS_CLASSPATH", System.getProperty("java.class.path"));
  }

  private List<String> tandemCommand(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("scripts/tandem").toString());
    cmd.addAll(args);
    return cmd;
  }

  private Run tandem(List<String> args, int timeoutSeconds) throws Exception {
    return run(tandemCommand(args), timeoutSeconds);
  }

  private Process start(List<String> cmd, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env());
    return pb.start();
  }

  private Run run(List<String> cmd, int timeoutSeconds) throws Exception {
    Path log = Files.createTempFile(LOGS, cmd.size() > 1 ? Path.of(cmd.get(0)).getFileName() + "-" + cmd.get(1) + "-" : "cmd-", ".log");
    Process p = start(cmd, log);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      return new Run(-1, "timed out after " + timeoutSeconds + " s: " + cmd + "\n" + Files.readString(log));
    }
    return new Run(p.exitValue(), Files.readString(log));
  }
}

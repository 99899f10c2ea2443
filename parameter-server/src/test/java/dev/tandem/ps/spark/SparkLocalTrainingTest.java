package dev.tandem.ps.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.format.Persisted;
import dev.tandem.progress.Progress;
import dev.tandem.ps.AeronNode;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.Dl4jInternals;
import dev.tandem.ps.StartupException;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/**
 * Spark local mode, in this JVM: DL4J's real SharedTrainingMaster, the executors' batch source and session, the epoch
 * loop's retry, and the lifecycle of the Spark context and the driver's gradient-sharing transport. (Local mode shares
 * the driver's parameter server, so no gradient crosses UDP here: LocalClusterIT covers executors in JVMs of their own.)
 */
class SparkLocalTrainingTest {
  static final String JOB = """
      name: tt
      seed: 11
      dataset:
        source: {format: synthetic, users: 200, items: 100, events: 6000, days: 30, seed: 3}
        label: "watch_seconds >= 30"
        min_shards: 2
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: category, entity: item, kind: categorical}
      model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8, user_features: [user_id, country]}
      train: {epochs: 2, batch_size: 64, learning_rate: 0.005, warmup_steps: 5, decay: cosine, early_stopping: {patience: 0}}
      eval: {k: [10]}
      cluster: {mode: spark, workers: 2}
      """;
  /** The in-batch softmax loss of an untrained model is above 6 on this job; two epochs bring it below 4. */
  static final double LEARNED_LOSS = 5.0;

  @TempDir
  static Path tmp;
  static ConfigLoader.Loaded<JobConfig> job;
  static PreparedDataset dataset;
  int port;

  @BeforeAll
  static void prepare() {
    // Left to itself, DL4J puts each session's Aeron media driver in a new /dev/shm/aeron-root-<uuid> that nothing
    // deletes: give this JVM its Aeron directory as a cluster driver gets it, inside the test's directory
    AeronNode.prepare(new ClusterConfig.Aeron("127.0.0.1", null, null, null, tmp.toString(), 1, null, null), "driver");
    job = ConfigLoader.parse(JOB, "job.yaml", tmp.toString(), JobConfig.class, List.of());
    dataset = Datasets.resolve(job, tmp.resolve("cache").toString(), Progress.NONE);
  }

  @AfterEach
  void everythingWasReleased() throws Exception {
    assertThat(activeContext().isEmpty()).as("the Spark context is stopped").isTrue();
    try (DatagramSocket s = new DatagramSocket(null)) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port)); // the driver's transport let go of it
    }
  }

  private static Option<SparkContext> activeContext() {
    return SparkContext$.MODULE$.getActive();
  }

  private ClusterConfig localCluster() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    return new ClusterConfig("local", "local[2]", "client", 1, 2, "1g", "1g", null, null,
        new ClusterConfig.Aeron("127.0.0.1", port, null, null, null, null, null, null), null, null, null);
  }

  private static List<JsonNode> metrics(RunDirectory run) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(run.metrics().toUri()))) {
      out.add(Persisted.json().readTree(line));
    }
    return out;
  }

  @Test
  void twoTrainingsInOneJvmBothLearn() throws Exception {
    for (String name : List.of("first", "second")) {
      RunDirectory run = RunDirectory.at(tmp.resolve(name).toString());
      TrainingState state = new SparkTrainer(localCluster()).train(new RunRequest(job, run, dataset, false, Progress.NONE));
      assertThat(state.finished()).isTrue();
      List<JsonNode> epochs = metrics(run);
      assertThat(epochs).hasSize(2);
      assertThat(epochs).allSatisfy(m -> assertThat(m.get("epoch_attempts").asInt()).isEqualTo(1));
      // the second training in a JVM used to leave the driver's parameter server stopped: its model never learned
      assertThat(epochs.get(1).get("train_loss").asDouble()).as(name + " training's loss").isLessThan(LEARNED_LOSS);
      JsonNode driver = Persisted.json().readTree(Files.readString(tmp.resolve(name).resolve("traffic/driver.json")));
      assertThat(driver.get("updates_received").asLong()).as(name + " training's updates at the driver").isPositive();
      assertThat(driver.get("iterations").asLong()).isPositive();
      // the metric handles read DL4J's live encoding objects (local mode trains in this JVM) ...
      assertThat(driver.get("updates_sent").isNumber()).as("updates_sent in %s", driver).isTrue();
      assertThat(driver.get("threshold").isNumber()).as("threshold in %s", driver).isTrue();
      // ... and the mesh handle the driver's real transport (the driver counts itself)
      assertThat(Dl4jInternals.verified().meshNodes()).isPositive();
      activeContextIsStopped();
      everythingWasReleased();
    }
  }

  private static void activeContextIsStopped() {
    assertThat(activeContext().isEmpty()).isTrue();
  }

  @Test
  void anAttemptWhoseJobsAreCancelledRunsTheEpochAgainOnAFreshMesh() throws Exception {
    RunDirectory run = RunDirectory.at(tmp.resolve("cancelled").toString());
    ClusterConfig cluster = localCluster();
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicBoolean done = new AtomicBoolean();
    // what the attempt watcher does when an executor is lost, done from outside: cancel the first attempt's jobs
    Thread canceller = new Thread(() -> {
      while (!done.get() && !cancelled.get()) {
        Option<SparkContext> active = activeContext();
        if (active.isDefined()) {
          SparkContext sc = active.get();
          for (int id : sc.statusTracker().getJobIdsForGroup("tandem-epoch-1-0")) {
            var info = sc.statusTracker().getJobInfo(id);
            if (info.isDefined() && info.get().status() == org.apache.spark.JobExecutionStatus.RUNNING) {
              sc.cancelJobGroup("tandem-epoch-1-0");
              cancelled.set(true);
            }
          }
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    canceller.start();
    try {
      TrainingState state = new SparkTrainer(cluster).train(new RunRequest(job, run, dataset, false, Progress.NONE));
      assertThat(state.finished()).isTrue();
    } finally {
      done.set(true);
      canceller.join();
    }
    assertThat(cancelled).isTrue();
    List<JsonNode> epochs = metrics(run);
    assertThat(epochs.get(0).get("epoch_attempts").asInt()).isEqualTo(2);
    assertThat(epochs.get(1).get("epoch_attempts").asInt()).isEqualTo(1);
    assertThat(epochs.get(1).get("train_loss").asDouble()).isLessThan(LEARNED_LOSS);
  }

  @Test
  void aTakenControllerPortFailsAtOnceAndEverythingIsReleased() throws Exception {
    ClusterConfig cluster = localCluster();
    RunDirectory run = RunDirectory.at(tmp.resolve("port-taken").toString());
    try (DatagramSocket taken = new DatagramSocket(null)) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      assertThatThrownBy(() -> new SparkTrainer(cluster).train(new RunRequest(job, run, dataset, false, Progress.NONE)))
          .isInstanceOf(StartupException.class)
          .hasMessageContaining("aeron.controller_port")
          .hasMessageContaining(String.valueOf(port));
      activeContextIsStopped();
    }
    assertThat(Files.exists(tmp.resolve("port-taken/metrics.jsonl"))).isFalse();
  }
}

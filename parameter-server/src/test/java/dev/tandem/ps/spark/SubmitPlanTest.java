package dev.tandem.ps.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.ps.ClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit commands built for the shipped cluster configs. */
class SubmitPlanTest {
  static final Path CONFIGS = Path.of("..", "cluster-config");
  static final List<String> FLAGS = List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "-Daeron.publication.unblock.timeout=60000000000");
  @TempDir
  Path tmp;

  private SubmitPlan plan(String cluster, Path sparkHome) throws IOException {
    Path job = tmp.resolve("job.yaml");
    Files.writeString(job, "name: j\n");
    Path file = CONFIGS.resolve(cluster);
    return SubmitPlan.of(new SubmitPlan.Request(ClusterConfig.load(file.toString()), file, job, null, tmp.resolve("tandem-spark-app.jar"),
        sparkHome, tmp.resolve("lib"), FLAGS, List.of("--run", "hdfs://nn/runs/r1", "--set", "seed=3")));
  }

  /** The value following an option. */
  private static String after(List<String> argv, String option) {
    int i = argv.indexOf(option);
    assertThat(i).as(option + " in " + argv).isGreaterThanOrEqualTo(0);
    return argv.get(i + 1);
  }

  private static List<String> confs(List<String> argv) {
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < argv.size() - 1; i++) {
      if (argv.get(i).equals("--conf")) {
        out.add(argv.get(i + 1));
      }
    }
    return out;
  }

  @Test
  void yarnClusterMode() throws IOException {
    List<String> a = plan("yarn.yaml", null).argv();
    assertThat(a.get(0)).isEqualTo("spark-submit");
    assertThat(after(a, "--master")).isEqualTo("yarn");
    assertThat(after(a, "--deploy-mode")).isEqualTo("cluster");
    assertThat(after(a, "--queue")).isEqualTo("ml-training");
    assertThat(after(a, "--num-executors")).isEqualTo("8");
    assertThat(after(a, "--executor-cores")).isEqualTo("4");
    assertThat(after(a, "--executor-memory")).isEqualTo("16g");
    assertThat(after(a, "--driver-memory")).isEqualTo("8g");
    assertThat(after(a, "--class")).isEqualTo("dev.tandem.cli.Tandem");
    assertThat(confs(a)).contains("spark.executorEnv.OMP_NUM_THREADS=1", "spark.yarn.appMasterEnv.OMP_NUM_THREADS=1",
        "spark.hadoop.fs.defaultFS=hdfs://nameservice1", "spark.yarn.maxAppAttempts=1",
        "spark.executor.extraJavaOptions=--add-opens=java.base/java.lang=ALL-UNNAMED -Daeron.publication.unblock.timeout=60000000000");
    assertThat(after(a, "--files")).endsWith("job.yaml," + CONFIGS.resolve("yarn.yaml").toAbsolutePath());
    // the driver runs in the cluster: it reads the shipped files from its working directory
    int jar = a.indexOf(tmp.resolve("tandem-spark-app.jar").toAbsolutePath().toString());
    assertThat(a.subList(jar + 1, a.size())).containsExactly("train", "--config", "job.yaml", "--cluster", "yarn.yaml",
        "--set", "cluster.mode=spark", "--run", "hdfs://nn/runs/r1", "--set", "seed=3");
  }

  @Test
  void kubernetesUsesTheImageAndItsJar() throws IOException {
    List<String> a = plan("kubernetes.yaml", null).argv();
    assertThat(after(a, "--master")).isEqualTo("k8s://https://kubernetes.default.svc:443");
    assertThat(after(a, "--deploy-mode")).isEqualTo("cluster");
    assertThat(confs(a)).contains("spark.kubernetes.container.image=registry.example.internal/tandem:0.1.0",
        "spark.kubernetes.namespace=ml", "spark.kubernetes.authenticate.driver.serviceAccountName=spark",
        "spark.kubernetes.file.upload.path=hdfs://namenode.hadoop.svc.cluster.local:8020/tandem/uploads",
        "spark.kubernetes.executor.volumes.emptyDir.dshm.mount.path=/dev/shm");
    assertThat(a).contains("local:///opt/tandem/tandem-spark-app.jar");
  }

  @Test
  void loopbackClusterWithoutSparkInstallationUsesSparksLauncher() throws IOException {
    SubmitPlan p = plan("local-cluster.yaml", null);
    List<String> a = p.argv();
    assertThat(a.get(0)).endsWith("/bin/java");
    assertThat(a).containsSubsequence(FLAGS.get(0), "-Xmx2g", "-cp",
        tmp.resolve("tandem-spark-app.jar").toAbsolutePath() + ":" + tmp.resolve("tandem.jar").toAbsolutePath(),
        "org.apache.spark.deploy.SparkSubmit", "--master", "spark://127.0.0.1:7077", "--deploy-mode", "client");
    assertThat(after(a, "--total-executor-cores")).isEqualTo("2");
    assertThat(p.env()).containsEntry("SPARK_LOCAL_IP", "127.0.0.1").containsEntry("OMP_NUM_THREADS", "1");
    // client mode: the driver is this machine, absolute paths
    assertThat(after(a, "--config")).isEqualTo(tmp.resolve("job.yaml").toAbsolutePath().toString());
    // the CLI jar's manifest names the class path, never lib/* (which keeps what earlier builds copied there)
    assertThat(p.toShell()).contains(tmp.resolve("tandem.jar").toAbsolutePath().toString()).doesNotContain("lib/*")
        .contains(" \\\n    --master spark://127.0.0.1:7077");
  }

  @Test
  void aSparkInstallationProvidesSparkSubmit() throws IOException {
    Path home = tmp.resolve("spark");
    assertThat(plan("spark-standalone.yaml", home).argv().get(0)).isEqualTo(home.resolve("bin/spark-submit").toString());
  }

  @Test
  void aResumedRunContinuesFromItsOwnJobYaml() {
    Path file = CONFIGS.resolve("yarn.yaml");
    List<String> a = SubmitPlan.of(new SubmitPlan.Request(ClusterConfig.load(file.toString()), file, null, "hdfs://nn/sweeps/s1/trials/0003/run",
        tmp.resolve("app.jar"), null, null, FLAGS, List.of())).argv();
    int train = a.lastIndexOf("train");
    assertThat(a.subList(train, a.size())).containsExactly("train", "--resume", "hdfs://nn/sweeps/s1/trials/0003/run", "--cluster", "yarn.yaml");
    assertThat(after(a, "--name")).isEqualTo("tandem-resume-run");
    assertThat(after(a, "--files")).isEqualTo(file.toAbsolutePath().toString());
    // a resumed run keeps its job.yaml: new overrides would make it another run
    assertThatThrownBy(() -> new SubmitPlan.Request(ClusterConfig.load(file.toString()), file, null, "hdfs://nn/r", tmp.resolve("app.jar"),
        null, null, FLAGS, List.of("--set", "seed=2"))).isInstanceOf(ConfigException.class).hasMessageContaining("--resume");
    assertThatThrownBy(() -> new SubmitPlan.Request(ClusterConfig.load(file.toString()), file, null, null, tmp.resolve("app.jar"),
        null, null, FLAGS, List.of())).isInstanceOf(ConfigException.class).hasMessageContaining("--job");
  }

  @Test
  void aMissingJobIsNamed() {
    Path file = CONFIGS.resolve("yarn.yaml");
    assertThatThrownBy(() -> SubmitPlan.of(new SubmitPlan.Request(ClusterConfig.load(file.toString()), file, tmp.resolve("nope.yaml"), null,
        tmp.resolve("app.jar"), null, null, FLAGS, List.of())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("nope.yaml");
  }
}

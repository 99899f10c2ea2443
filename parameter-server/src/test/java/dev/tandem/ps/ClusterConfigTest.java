package dev.tandem.ps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped cluster-config files load, and a wrong value is reported with its key. */
class ClusterConfigTest {
  static final Path CONFIGS = Path.of("..", "cluster-config");
  @TempDir
  Path tmp;

  @Test
  void everyShippedClusterConfigLoads() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(CONFIGS)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).extracting(p -> p.getFileName().toString())
        .contains("local.yaml", "local-cluster.yaml", "spark-standalone.yaml", "yarn.yaml", "kubernetes.yaml");
    for (Path f : files) {
      ClusterConfig c = ClusterConfig.load(f.toString());
      assertThat(c.name()).as(f.toString()).isNotBlank();
    }
    ClusterConfig loop = ClusterConfig.load(CONFIGS.resolve("local-cluster.yaml").toString());
    assertThat(loop.master()).isEqualTo("spark://127.0.0.1:7077");
    assertThat(loop.executors()).isEqualTo(2);
    assertThat(loop.aeron().controllerAddress()).isEqualTo("127.0.0.1");
    assertThat(loop.hdfs().defaultFs()).isEqualTo("hdfs://127.0.0.1:9000");
    assertThat(ClusterConfig.load(CONFIGS.resolve("kubernetes.yaml").toString()).kubernetes().image()).isNotBlank();
  }

  @Test
  void errorsNameTheKey() throws IOException {
    assertError("master: mesos://x:5050\n", "master");
    assertError("master: yarn\ndeploy_mode: sideways\n", "deploy_mode");
    assertError("master: local[2]\nexecutor_memory: lots\n", "executor_memory");
    assertError("master: yarn\naeron: {port_range: [40300, 40200]}\n", "aeron.port_range");
    assertError("master: yarn\naeron: {controller_port: 40250, port_range: [40200, 40299]}\n", "aeron.controller_port");
    assertError("master: yarn\naeron: {term_buffer_mb: 3}\n", "aeron.term_buffer_mb");
    assertError("master: yarn\naeron: {network_mask: ten-dot-zero}\n", "aeron.network_mask");
    assertError("master: k8s://https://k:443\n", "kubernetes");
    assertError("master: k8s://https://k:443\nkubernetes: {namespace: ml}\n", "kubernetes.image");
    assertError("master: yarn\nexecutorz: 3\n", "executorz");
  }

  private void assertError(String yaml, String key) throws IOException {
    Path f = tmp.resolve("c" + System.nanoTime() + ".yaml");
    Files.writeString(f, yaml);
    assertThatThrownBy(() -> ClusterConfig.load(f.toString()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
        .hasMessageContaining(f.toString());
  }
}
